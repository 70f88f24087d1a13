// Opens a URL in the default browser with the platform's opener (xdg-open, open, Windows' URL handler), and says whether it could.
import {spawn} from 'node:child_process'

/** The opener command for a platform. */
export function openerFor(platform: NodeJS.Platform, url: string): {command: string; args: string[]} {
  if (platform === 'darwin') return {command: 'open', args: [url]}
  // what `start URL` runs, without cmd's quoting rules (an & in the URL would end cmd's command)
  if (platform === 'win32') return {command: 'rundll32', args: ['url.dll,FileProtocolHandler', url]}
  return {command: 'xdg-open', args: [url]}
}

/** How long an opener may take to say it failed; one still running after this is taken to have opened the page. */
const OPENER_WAIT_MS = 5000

/** Resolves with undefined once opened, or why it could not be (no opener, it failed). */
export function openUrl(url: string, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  const {command, args} = openerFor(platform, url)
  return new Promise((resolve) => {
    const child = spawn(command, args, {stdio: 'ignore', detached: true})
    const timer = setTimeout(() => {
      child.unref()
      resolve(undefined)
    }, OPENER_WAIT_MS)
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve(error.code === 'ENOENT' ? `${command} is not installed` : `${command}: ${error.message}`)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve(code === 0 ? undefined : `${command} exited with ${code}`)
    })
  })
}
