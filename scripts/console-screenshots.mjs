#!/usr/bin/env node
// Screenshots of the console's main views for docs/console.md, at 1280×720: runs the built kne dev on
// examples/orders with local stand-ins for its services (payments refuses with 400, so its deliveries are
// dead-lettered) and its event log on (so Redeliver shows), sends a few events through the control API, and photographs each view in the system
// Chromium (KNE_CHROMIUM overrides). Run after npm run build: node scripts/console-screenshots.mjs
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {chromium} from 'playwright-core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'docs', 'console')
const executablePath = process.env.KNE_CHROMIUM ?? '/usr/bin/chromium'
if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: install Debian's chromium or set KNE_CHROMIUM`)
if (!existsSync(join(root, 'dist', 'console', 'index.html'))) throw new Error('dist/console is missing: run npm run build first')

const ANSWERS = {'order-processor': 202, payments: 400, audit: 202, 'dead-letters': 202, pack: 200, ship: 200, mailer: 202}
const servers = []
const serviceFlags = []
for (const [name, status] of Object.entries(ANSWERS)) {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(status).end()))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  serviceFlags.push('--service', `${name}=http://127.0.0.1:${server.address().port}`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'kne-screens-'))
const dev = spawn(
  process.execPath,
  [join(root, 'bin', 'run.js'), 'dev', '--port', '0', '--quiet', '--persist', join(dataDir, 'log'), ...serviceFlags],
  {
    cwd: join(root, 'examples', 'orders'),
    env: {...process.env, KNE_DATA_DIR: dataDir, NO_COLOR: '1', KNE_URL: ''},
    stdio: ['ignore', 'pipe', 'inherit'],
  },
)
const consoleUrl = await new Promise((resolve, reject) => {
  let text = ''
  dev.stdout.on('data', (chunk) => {
    text += chunk
    const match = /Console\s+(http:\/\/\S+)/.exec(text)
    if (match) resolve(match[1])
  })
  dev.on('exit', (code) => reject(new Error(`kne dev exited with ${code}:\n${text}`)))
})
const meshUrl = consoleUrl.replace(/\/_kne\/ui\/$/, '')

async function send(to, type, source, data) {
  const answer = await fetch(`${meshUrl}/_kne/v1/send`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({to, event: {type, source, data}}),
  })
  return answer.json()
}

const created = await send('broker:default', 'com.example.order.created', '/shop/web', {orderId: 'A-1001', total: 42.5, items: 2})
await send('broker:default', 'com.example.order.created', '/shop/app', {orderId: 'A-1002', total: 19, items: 1})
await send('broker:default', 'com.example.order.cancelled', '/shop/web', {orderId: 'A-0999', reason: 'customer'})
await send('broker:default', 'com.example.order.paid', '/payments', {orderId: 'A-0998'})
await send('channel:notifications', 'com.example.mail.requested', '/shop/web', {to: 'ada@example.com'})
await send('broker:default', 'com.example.newsletter.signup', '/shop/web', {email: 'ada@example.com'})

const browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox']})
mkdirSync(out, {recursive: true})
async function shoot(name, view, colorScheme = 'light', prepare = async () => {}) {
  const page = await browser.newPage({viewport: {width: 1280, height: 720}, colorScheme})
  await page.goto(`${consoleUrl}#/${view}`)
  await page.locator('.connection.ok').waitFor()
  await prepare(page)
  await page.waitForTimeout(300)
  await page.screenshot({path: join(out, `${name}.png`)})
  await page.close()
  console.log(`docs/console/${name}.png`)
}
try {
  await shoot('topology', 'topology', 'light', (page) => page.locator('[data-node="Trigger:default/payments"]').click())
  await shoot('topology-dark', 'topology', 'dark')
  await shoot('events', `events/${created.arrival}`, 'light', (page) => page.locator('.explanations').waitFor())
  await shoot('send', 'send', 'light', async (page) => {
    await page.locator('input[name="type"]').fill('com.example.order.cancelled')
    await page.locator('textarea[name="data"]').fill(JSON.stringify({orderId: 'A-1003', reason: 'duplicate'}, null, 2))
    await page.getByRole('button', {name: 'Send'}).click()
    await page.locator('.send-result .path').waitFor()
  })
  await shoot('registry', 'registry', 'light', (page) =>
    page.locator('.registry-entry summary', {hasText: 'com.example.order.created'}).click(),
  )
  await shoot('dead-letters', 'dead-letters', 'light', (page) => page.locator('.dead-letters tbody tr').first().waitFor())
} finally {
  await browser.close()
  dev.kill('SIGINT')
  for (const server of servers) server.close()
  rmSync(dataDir, {recursive: true, force: true})
}
