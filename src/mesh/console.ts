// The web console's static assets (built into dist/console by scripts/build-console.mjs), served at /_kne/ui/
// with a Content-Security-Policy that lets the page load only its own files and talk only to this mesh.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {extname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {CONSOLE_PATH} from '../core/api.js'
import {sendJson} from './ingress.js'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

/** No console asset is near this; a folder holding more is not the console's. */
const MAX_ASSET_BYTES = 8 * 1024 * 1024

interface Asset {
  body: Buffer
  type: string
}

/** dist/console next to dist/mesh; from the sources (tests), the built one. */
function consoleDir(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url))
  return [join(here, '..', 'console'), join(here, '..', '..', 'dist', 'console')].find((dir) => existsSync(join(dir, 'index.html')))
}

let assets: Map<string, Asset> | undefined

/** The built files, read once: a fixed set, so no request path ever reaches the file system. */
function loadAssets(): Map<string, Asset> {
  if (assets) return assets
  const loaded = new Map<string, Asset>()
  const dir = consoleDir()
  let total = 0
  for (const name of dir === undefined ? [] : readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)]
    const file = join(dir!, name)
    if (type === undefined || !statSync(file).isFile()) continue
    const body = readFileSync(file)
    total += body.length
    if (total > MAX_ASSET_BYTES) break
    loaded.set(name, {body, type})
  }
  // an unbuilt tree is looked for again on the next request
  if (loaded.size > 0) assets = loaded
  return loaded
}

/** GET /_kne/ui (redirected) and /_kne/ui/<asset>. */
export function serveConsole(req: IncomingMessage, res: ServerResponse, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return sendJson(res, 405, {error: 'the console is read with GET'}, {Allow: 'GET, HEAD'})
  if (`${pathname}/` === CONSOLE_PATH) {
    res.writeHead(308, {Location: CONSOLE_PATH, 'Content-Length': '0'}).end()
    return
  }
  const name = pathname.slice(CONSOLE_PATH.length) || 'index.html'
  const files = loadAssets()
  if (files.size === 0)
    return sendJson(res, 404, {error: "the console's assets are not built (dist/console is missing: run npm run build)"}, SECURITY_HEADERS)
  const asset = files.get(name)
  if (asset === undefined) return sendJson(res, 404, {error: `the console has no file ${JSON.stringify(name)}`}, SECURITY_HEADERS)
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': asset.type,
    'Content-Length': asset.body.length,
    // the same URLs serve whichever kne version runs on this port
    'Cache-Control': 'no-cache',
  })
  res.end(req.method === 'HEAD' ? undefined : asset.body)
}
