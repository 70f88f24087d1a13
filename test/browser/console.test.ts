// The web console in a real browser (the system Chromium, headless) against a real `kne dev`: the built CLI
// spawned with --port 0 in a project of its own, with real subscriber servers. One browser for the file.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Browser, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {browserRequired, launchBrowser, noBrowser} from '../helpers/browser.js'
import {isolatedEnv, LongRunning} from '../helpers/cli.js'
import {startSubscriber, type Subscriber} from '../helpers/subscriber.js'

const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n'

function trigger(name: string, type: string, url: string, broker = 'default'): string {
  return `---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: ${broker}\n  filter:\n    attributes:\n      type: ${type}\n  subscriber:\n    uri: ${url}\n`
}

describe.skipIf(noBrowser !== undefined && !browserRequired)('the console in a browser', () => {
  let orders: Subscriber
  let audit: Subscriber
  let flaky: Subscriber
  let dev: LongRunning
  let browser: Browser
  let consoleUrl: string
  let meshUrl: string
  let project: string
  let triggersFile: string

  beforeAll(async () => {
    ;[orders, audit, flaky] = await Promise.all([
      startSubscriber(),
      startSubscriber(),
      // 400 is not retried: its deliveries fail at once
      startSubscriber((_req, res) => void res.writeHead(400).end()),
    ])
    project = mkdtempSync(join(tmpdir(), 'kne-console-'))
    mkdirSync(join(project, 'knative'))
    writeFileSync(join(project, 'kne.yaml'), 'namespace: default\nmanifests: knative\n')
    writeFileSync(join(project, 'knative', 'broker.yaml'), BROKER)
    triggersFile = join(project, 'knative', 'triggers.yaml')
    writeFileSync(
      triggersFile,
      trigger('orders', 'com.example.order.created', orders.url) +
        trigger('audit', 'com.example.audit', audit.url) +
        trigger('stray', 'com.example.audit', audit.url, 'missing') +
        trigger('flaky', 'com.example.flaky', flaky.url),
    )
    // with its event log on, so that Dead letters offers Redeliver
    dev = new LongRunning(['dev', '--port', '0', '--quiet', '--persist', join(project, 'log')], isolatedEnv(), project)
    const [browserStarted, printed] = await Promise.all([launchBrowser(), dev.waitFor(/Console\s+(http:\/\/\S+)/)])
    browser = browserStarted
    consoleUrl = printed[1]!
    meshUrl = consoleUrl.replace(/\/_kne\/ui\/$/, '')
  })

  afterAll(async () => {
    await browser?.close()
    dev?.kill()
    await Promise.all([orders?.close(), audit?.close(), flaky?.close()])
    if (project) rmSync(project, {recursive: true, force: true})
  })

  async function open(view: string): Promise<Page & {problems: string[]}> {
    const page = await browser.newPage({viewport: {width: 1280, height: 720}})
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    await page.goto(`${consoleUrl}#/${view}`)
    await page.locator('.connection.ok').waitFor()
    return Object.assign(page, {problems})
  }

  async function postEvent(type: string, source: string, data: unknown = {}): Promise<number> {
    const answer = await fetch(`${meshUrl}/default/default`, {
      method: 'POST',
      headers: {
        'ce-specversion': '1.0',
        'ce-id': crypto.randomUUID(),
        'ce-type': type,
        'ce-source': source,
        'content-type': 'application/json',
      },
      body: JSON.stringify(data),
    })
    return answer.status
  }

  it("shows the manifests' resources on the topology, and a trigger that is not Ready with its reason", async () => {
    const page = await open('topology')
    for (const node of ['Broker:default/default', 'Trigger:default/orders', 'Trigger:default/audit', 'Trigger:default/stray'])
      await page.locator(`[data-node="${node}"]`).waitFor()
    expect(await page.locator('[data-node="Trigger:default/stray"]').getAttribute('class')).toContain('not-ready')
    await expect.poll(() => page.locator('.problems').textContent()).toMatch(/Trigger default\/stray: BrokerDoesNotExist/)
    // keyboard: a node takes focus and Enter shows its details
    await page.locator('[data-node="Trigger:default/orders"]').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('.panel').textContent()).toContain('filter: type=com.example.order.created')
    await page.close()
  })

  it('is reachable from the keyboard with a visible focus, and follows the dark colour scheme', async () => {
    const page = await browser.newPage({viewport: {width: 1280, height: 720}, colorScheme: 'dark'})
    await page.goto(`${consoleUrl}#/topology`)
    await page.locator('.connection.ok').waitFor()
    // expressions evaluated in the page (the tests' TypeScript has no DOM library)
    expect(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(15, 18, 22)')
    const focused = () =>
      page.evaluate('({text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle})')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    expect(await focused()).toEqual({text: 'Live events', outline: 'solid'})
    await page.keyboard.press('Enter')
    await page.locator('form.filters').waitFor()
    expect(page.url()).toMatch(/#\/events$/)
    await page.close()
  })

  it('lists a sent event in the live list within a second', async () => {
    const page = await open('events')
    const type = `com.example.live.${Date.now()}`
    expect(await postEvent(type, '/live')).toBe(202)
    await page.locator(`a.row:has-text("${type}")`).waitFor({timeout: 1000})
    await page.close()
  })

  it("shows in an event's detail the trigger that did not match it and why", async () => {
    const page = await open('events')
    const source = `/detail-${Date.now()}`
    expect(await postEvent('com.example.order.created', source, {order: 42})).toBe(202)
    await page.locator('input[name="source"]').fill(source)
    await page.locator(`a.row:has-text("${source}")`).click()
    const audit = page.locator('.explanations li.not-matched', {hasText: 'default/audit'})
    await audit.waitFor()
    expect(await audit.textContent()).toMatch(/default\/audit did not match/)
    expect(await audit.textContent()).toContain('type: wants "com.example.audit", saw "com.example.order.created"')
    expect(await page.locator('.explanations li.matched', {hasText: 'default/orders'}).textContent()).toMatch(/matched/)
    await expect.poll(() => page.locator('.path').textContent()).toMatch(/attempt 1 for default\/orders .*status 200/)
    expect(await page.locator('pre.data').textContent()).toBe('{\n  "order": 42\n}')
    expect(page.problems).toEqual([])
    await page.close()
  })

  it('lists an event sent to a broker that does not exist, and says why it went nowhere', async () => {
    const page = await open('events')
    const source = `/astray-${Date.now()}`
    const answer = await fetch(`${meshUrl}/default/nowhere`, {
      method: 'POST',
      headers: {'ce-specversion': '1.0', 'ce-id': crypto.randomUUID(), 'ce-type': 'com.example.astray', 'ce-source': source},
    })
    expect(answer.status).toBe(404)
    await page.locator('input[name="source"]').fill(source)
    const row = page.locator(`a.row:has-text("${source}")`)
    expect(await row.locator('.outcome').textContent()).toBe('not found')
    await row.click()
    await expect.poll(() => page.locator('.event-detail').textContent()).toMatch(/broker default\/nowhere not found/)
    await page.close()
  })

  it("shows an event's binary data as a hex dump", async () => {
    const page = await open('events')
    const source = `/binary-${Date.now()}`
    const answer = await fetch(`${meshUrl}/default/default`, {
      method: 'POST',
      headers: {
        'ce-specversion': '1.0',
        'ce-id': crypto.randomUUID(),
        'ce-type': 'com.example.blob',
        'ce-source': source,
        'content-type': 'application/octet-stream',
      },
      body: new Uint8Array([0, 1, 2, 0xff, 0x41]),
    })
    expect(answer.status).toBe(202)
    await page.locator('input[name="source"]').fill(source)
    await page.locator(`a.row:has-text("${source}")`).click()
    await expect.poll(() => page.locator('pre.data').textContent()).toBe(`00000000  00 01 02 ff 41${' '.repeat(33)}  ....A`)
    await page.close()
  })

  it("sends the form's event to the broker, and a subscriber receives it", async () => {
    const page = await open('send')
    const marker = `form-${Date.now()}`
    await page.locator('select[name="to"]').selectOption('broker:default:default')
    await page.locator('input[name="type"]').fill('com.example.order.created')
    await page.locator('input[name="source"]').fill('/console')
    await page.locator('textarea[name="data"]').fill(JSON.stringify({marker}))
    await page.getByRole('button', {name: 'Send'}).click()
    const received = await orders.waitForMatch((r) => r.body.toString().includes(marker))
    expect(received.headers).toMatchObject({'ce-type': 'com.example.order.created', 'ce-source': '/console'})
    await expect.poll(() => page.locator('.send-result').textContent()).toMatch(/answered 202 — arrival \d+/)
    await page.locator('.send-result .explanations').waitFor()
    await page.close()
  })

  it('lists a failed delivery under Dead letters and sends it again with Redeliver', async () => {
    const page = await open('dead-letters')
    const source = `/flaky-${Date.now()}`
    // the synchronous broker answers with the failed delivery
    expect(await postEvent('com.example.flaky', source)).toBe(500)
    const before = flaky.received.length
    const row = page.locator('.dead-letters tbody tr', {hasText: 'com.example.flaky'}).first()
    await row.waitFor()
    expect(await row.textContent()).toMatch(/default\/flaky: failed \(400\)/)
    await row.getByRole('button', {name: /^Redeliver arrival \d+$/}).click()
    await expect.poll(() => page.locator('.redelivered').textContent()).toMatch(/1 redelivered as arrival \d+/)
    await expect.poll(() => flaky.received.length).toBeGreaterThan(before)
    await page.close()
  })

  it('keeps the live list to the rows in sight with 5,000 events, and filters them', async () => {
    const page = await open('events')
    const source = `/bulk-${Date.now()}`
    const sent = 5000
    for (let i = 0; i < sent; i += 50)
      await Promise.all(
        Array.from({length: 50}, (_, j) => postEvent(j % 2 ? 'com.example.bulk.odd' : 'com.example.bulk.even', source, {i: i + j})),
      )
    await page.locator('input[name="source"]').fill(source)
    await expect.poll(() => page.locator('.count').textContent(), {timeout: 15_000}).toMatch(new RegExp(`^${sent} of \\d+ events`))
    expect(await page.locator('a.row').count()).toBeLessThan(100)
    await page.locator('input[name="type"]').fill('odd')
    await expect.poll(() => page.locator('.count').textContent()).toMatch(new RegExp(`^${sent / 2} of`))
    // the oldest is at the bottom: scrolled there, it is drawn
    await page.locator('.rows').evaluate((element) => (element.scrollTop = element.scrollHeight))
    await expect.poll(() => page.locator('a.row').last().textContent()).toContain('com.example.bulk.odd')
    expect(await page.locator('a.row').count()).toBeLessThan(100)
    await page.close()
  })

  it('shows the problem of a broken manifest edit, and clears it when the file is fixed', async () => {
    const page = await open('topology')
    const good = readFileSync(triggersFile, 'utf8')
    try {
      writeFileSync(triggersFile, 'kind: Trigger\nmetadata: [\n')
      const banner = page.locator('.manifest-problems')
      await banner.waitFor({timeout: 15_000})
      expect(await banner.textContent()).toContain('triggers.yaml')
      // the last good version stays in force
      expect(await page.locator('[data-node="Trigger:default/orders"]').count()).toBe(1)
    } finally {
      writeFileSync(triggersFile, good)
    }
    await page.locator('.manifest-problems').waitFor({state: 'detached', timeout: 15_000})
    await page.close()
  })
})
