// Hot reload of channels and flows over real files, a real mesh and real steps: an edited Sequence takes the
// next event, an event under way finishes its journey on the routes it started with, and a brokerDefaults
// edit in kne.yaml applies to the next delivery.
import {describe, expect, it} from 'vitest'
import {appender, BROKER, jsonBody} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {watchedProject} from '../helpers/project.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()
const {subscriber} = kit

function sequence(steps: string[], reply: string): string {
  return `apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: seq\nspec:\n  steps:\n${steps.map((s) => `    - uri: ${s}\n`).join('')}  reply:\n    uri: ${reply}\n`
}

/** A project whose writes resolve with the reload they cause. */
async function project(files: Record<string, string>, kneYaml: string) {
  const p = await watchedProject(kit, files, kneYaml)
  return {
    mesh: p.mesh,
    write: (name: string, text: string) => p.change(() => p.write(name, text)),
    writeConfig: (text: string) => p.change(() => p.writeConfig(text)),
  }
}

describe('hot reload of channels and flows', () => {
  it('routes the next event through the edited Sequence, and finishes one under way on the routes it started with', async () => {
    const [a, b2, c, d, end] = await Promise.all([
      subscriber(appender('a')),
      subscriber(appender('b2')),
      subscriber(appender('c')),
      subscriber(appender('d')),
      subscriber(),
    ])
    let release: () => void = () => {}
    const held = await subscriber((req, res) => {
      release = () => void appender('b')(req, res, 0)
    })
    const p = await project({'seq.yaml': sequence([a.url, held.url, c.url], end.url)}, 'namespace: default\n')
    const send = () =>
      post(
        `${p.mesh.url}/sequences/default/seq`,
        {...binaryHeaders('com.example.start'), 'content-type': 'application/json'},
        '{"path":[]}',
      )
    const underway = send()
    await held.waitFor(1)
    expect(await p.write('seq.yaml', sequence([a.url, b2.url, d.url], end.url))).toMatchObject({changed: ['Sequence default/seq']})
    release()
    // the held step's reply goes to the third channel of the Sequence it started in, whose step is c
    expect((await underway).status).toBe(202)
    expect(jsonBody(end.received[0])).toEqual({path: ['a', 'b', 'c']})
    expect((await send()).status).toBe(202)
    expect(jsonBody(end.received[1])).toEqual({path: ['a', 'b2', 'd']})
    expect(d.received).toHaveLength(1)
  })

  it("applies an edit of kne.yaml's brokerDefaults to the next delivery, without a restart note", async () => {
    const failing = await subscriber((_req, res) => {
      res.writeHead(503).end()
    })
    const trigger = `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  broker: default\n  subscriber:\n    uri: ${failing.url}\n`
    const p = await project({'broker.yaml': BROKER, 'trigger.yaml': trigger}, 'brokerDefaults:\n  delivery:\n    retry: 0\n')
    expect((await post(`${p.mesh.url}/default/default`, binaryHeaders('com.example.a'))).status).toBe(500)
    expect(failing.received).toHaveLength(1)
    const reload = await p.writeConfig('brokerDefaults:\n  delivery:\n    retry: 2\n')
    expect(reload.notes).toEqual([])
    expect(p.mesh.status().brokers[0]!.delivery).toEqual({retry: 2})
    expect((await post(`${p.mesh.url}/default/default`, binaryHeaders('com.example.a'))).status).toBe(500)
    expect(failing.received).toHaveLength(4)
    // removing brokerDefaults brings back Knative's stock default
    await p.writeConfig('namespace: default\n')
    expect(p.mesh.status().brokers[0]!.delivery).toEqual({retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.2S'})
  })
})
