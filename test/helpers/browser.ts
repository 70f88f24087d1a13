// The system Chromium for the console's browser tests (playwright-core drives it; nothing is downloaded).
// KNE_CHROMIUM names another binary; without one the tests skip, unless KNE_REQUIRE_BROWSER=1 (CI) fails them.
import {existsSync} from 'node:fs'
import {chromium, type Browser} from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

export const chromiumPath: string | undefined = process.env.KNE_CHROMIUM ?? CANDIDATES.find((path) => existsSync(path))

export const browserRequired = process.env.KNE_REQUIRE_BROWSER === '1'

/** Why the browser tests do not run here, or undefined when they do. */
export const noBrowser: string | undefined =
  chromiumPath === undefined || !existsSync(chromiumPath)
    ? `no Chromium found (${process.env.KNE_CHROMIUM ?? CANDIDATES.join(', ')}): install Debian's chromium or set KNE_CHROMIUM`
    : undefined

if (noBrowser && !browserRequired) console.warn(`skipping the console's browser tests: ${noBrowser}`)

export async function launchBrowser(): Promise<Browser> {
  if (noBrowser) throw new Error(`KNE_REQUIRE_BROWSER=1 but ${noBrowser}`)
  // the sandbox needs user namespaces, which containers (and root) often lack
  return chromium.launch({executablePath: chromiumPath, headless: true, args: ['--no-sandbox']})
}
