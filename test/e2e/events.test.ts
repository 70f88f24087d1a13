// The fix-and-retry loop from the built CLI: kne dev --persist dead-letters an event, kne events list finds it
// by its outcome, kne redeliver sends it again once the subscriber is fixed, and it is delivered; once kne dev
// has stopped, kne events show --from reads the same story from the log folder.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {brokerWithTrigger} from '../helpers/flows.js'
import {describe, expect, it, onTestFinished} from 'vitest'
import {isolatedEnv, LongRunning, runCli} from '../helpers/cli.js'
import {binaryHeaders, post, startSubscriber} from '../helpers/subscriber.js'
import {tempDir} from '../helpers/temp.js'

function manifests(subscriberUrl: string, dlsUrl: string): string {
  return brokerWithTrigger(subscriberUrl, {
    delivery: `{retry: 1, backoffPolicy: linear, backoffDelay: PT0.05S, deadLetterSink: {uri: "${dlsUrl}"}}`,
  })
}

describe('kne events and kne redeliver with kne dev --persist', () => {
  it('finds a dead-lettered event, redelivers it once the subscriber is fixed, and reads it back offline', async () => {
    let fixed = false
    const subscriber = await startSubscriber((_req, res) => {
      res.writeHead(fixed ? 200 : 503).end()
    })
    const dls = await startSubscriber()
    onTestFinished(async () => {
      await Promise.all([subscriber.close(), dls.close()])
    })
    const dir = tempDir('kne-events-e2e-')
    writeFileSync(join(dir, 'app.yaml'), manifests(subscriber.url, dls.url))
    const log = join(dir, 'log')
    const env = isolatedEnv()
    const dev = new LongRunning(['dev', '-f', join(dir, 'app.yaml'), '--port', '0', '--persist', log, '--no-watch', '--quiet'], env)
    onTestFinished(() => dev.kill())
    const url = (await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    expect((await post(`${url}/default/default`, binaryHeaders('com.example.order', {'ce-id': 'order-9'}))).status).toBe(202)
    await dls.waitFor(1)

    const dead = await runCli(['events', 'list', '--outcome', 'dead-lettered', '--json'], env)
    expect(dead.code, dead.stderr).toBe(0)
    expect(JSON.parse(dead.stdout)).toMatchObject({from: 'log', events: [{arrival: 1, id: 'order-9'}]})

    fixed = true
    const sent = await runCli(['redeliver', '--outcome', 'dead-lettered', '--json'], env)
    expect(sent.code, sent.stderr).toBe(0)
    expect(JSON.parse(sent.stdout).redeliveries).toEqual([expect.objectContaining({arrival: 1, redelivery: 2})])
    await subscriber.waitFor(3)
    let delivered: {events: {arrival: number; redelivers?: unknown}[]} = {events: []}
    // the redelivery is accepted at once; its outcome is recorded once the subscriber's answer is read
    for (;;) {
      delivered = JSON.parse((await runCli(['events', 'list', '--outcome', 'delivered', '--json'], env)).stdout)
      if (delivered.events.length > 0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(delivered.events).toEqual([expect.objectContaining({arrival: 2, redelivers: {arrival: 1, trigger: 'default/orders'}})])

    dev.signal('SIGINT')
    await dev.exited
    const offline = await runCli(['events', 'show', 'order-9', '--from', log], env)
    expect(offline.code, offline.stderr).toBe(0)
    expect(offline.stdout).toContain('arrival 2: com.example.order id=order-9 at default/default')
    expect(offline.stdout).toContain('redelivers arrival 1 to default/orders')
    expect(offline.stdout).toContain('default/orders: dead-lettered (2 attempts) [redelivered as 2]')
  })
})
