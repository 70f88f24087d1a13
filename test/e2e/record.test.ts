// `kne record` as a user stops it: Ctrl-C leaves a whole file (every document complete), says the count, and
// exits 0; `kne replay` sends the file into a fresh mesh.
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, it} from 'vitest'
import {parseYamlEventFile} from '../../src/core/event-file.js'
import {useMesh} from '../helpers/mesh.js'
import {isolatedEnv, LongRunning, runCli} from '../helpers/cli.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

const brokerTo = (url: string): string =>
  'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n' +
  `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: all\nspec:\n  broker: default\n  subscriber:\n    uri: ${url}\n`

it('kne record stopped by Ctrl-C leaves a whole file, says how many it recorded and exits 0; kne replay sends it again', async () => {
  const sink = await kit.subscriber()
  const mesh = await kit.mesh(brokerTo(sink.url))
  const file = join(mkdtempSync(join(tmpdir(), 'kne-record-')), 'orders.yaml')
  const recording = new LongRunning(['record', '-o', file], isolatedEnv({KNE_URL: mesh.url}))
  try {
    await recording.waitFor(/recording from/)
    for (const id of ['e-1', 'e-2', 'e-3']) {
      const answer = await post(
        `${mesh.url}/default/default`,
        {...binaryHeaders('com.example.order', {'ce-id': id}), 'content-type': 'text/plain'},
        `order ${id}\n`,
      )
      expect(answer.status).toBe(202)
    }
    // each event is written as it comes: the third is in the file before Ctrl-C
    for (let tries = 0; !readFileSync(file, 'utf8').includes('id: e-3'); tries++) {
      if (tries > 600) throw new Error(`the recording did not reach e-3:\n${readFileSync(file, 'utf8')}\n${recording.stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    recording.signal('SIGINT')
    expect(await recording.exited).toBe(0)
  } finally {
    recording.kill()
  }
  expect(recording.stderr).toContain(`3 events recorded to ${file}`)
  const events = parseYamlEventFile(readFileSync(file, 'utf8'), file)
  expect(events.map((e) => [e.event.id, Buffer.from(e.event.data!).toString(), e.recorded?.broker])).toEqual([
    ['e-1', 'order e-1\n', 'default/default'],
    ['e-2', 'order e-2\n', 'default/default'],
    ['e-3', 'order e-3\n', 'default/default'],
  ])
  const again = await kit.subscriber()
  const fresh = await kit.mesh(brokerTo(again.url))
  const replayed = await runCli(['replay', file], isolatedEnv({KNE_URL: fresh.url}))
  expect(replayed.code, replayed.stderr).toBe(0)
  expect(replayed.stderr).toContain(`3 events sent from ${file}: 3 accepted, 0 not accepted`)
  expect(again.received.map((r) => [r.headers['ce-id'], r.body.toString()])).toEqual(
    sink.received.map((r) => [r.headers['ce-id'], r.body.toString()]),
  )
})
