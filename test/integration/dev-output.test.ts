// What kne dev prints for an event's path through a real mesh: a Sequence's hops settle once (with the
// event that entered it), and a trigger that is not Ready gives its reason once per event, not on its
// attempt line as well.
import {describe, expect, it} from 'vitest'
import {ActivityPrinter} from '../../src/client/activity-printer.js'
import {colors} from '../../src/client/render.js'
import type {Mesh} from '../../src/index.js'
import {appender, BROKER} from '../helpers/flows.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const {mesh: meshFrom, subscriber} = useMesh()

function printed(mesh: Mesh): () => string[] {
  const writes: string[] = []
  const printer = new ActivityPrinter({
    write: (t) => writes.push(t),
    writeError: (t) => writes.push(t),
    colors: colors({isTTY: false} as NodeJS.WriteStream),
  })
  mesh.journal.subscribe((record) => printer.activity(record))
  return () => {
    printer.flush()
    return writes
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.slice(13))
  }
}

describe('kne dev output', () => {
  it('settles a Sequence once, after its last hop', async () => {
    const steps = await Promise.all(['a', 'b', 'c'].map((label) => subscriber(appender(label))))
    const list = steps.map((s) => `    - uri: ${s.url}\n`).join('')
    const mesh = await meshFrom(
      `apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: pipeline\nspec:\n  steps:\n${list}---\n`,
    )
    const lines = printed(mesh)
    expect((await post(`${mesh.url}/sequences/default/pipeline`, binaryHeaders('com.example.start'), '{}')).status).toBe(202)
    const settled = lines().filter((l) => l.includes('settled'))
    expect(settled).toEqual([expect.stringMatching(/^ {2}settled com\.example\.start id=/)])
    expect(lines().at(-1)).toBe(settled[0])
    expect(lines().filter((l) => l.includes('←'))).toHaveLength(3)
  })

  it("gives a not-Ready trigger's reason once per event", async () => {
    const mesh = await meshFrom(
      `${BROKER}apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: unmapped\nspec:\n  broker: default\n  subscriber:\n    ref:\n      apiVersion: v1\n      kind: Service\n      name: nowhere\n---\n`,
    )
    const lines = printed(mesh)
    await post(`${mesh.url}/default/default`, binaryHeaders('com.example.order'), '{}')
    expect(lines().filter((l) => l.includes('services "nowhere"'))).toHaveLength(1)
    expect(lines()).toContain('  → default/unmapped attempt 1: not Ready')
    expect(lines().find((l) => l.includes('failed default/unmapped'))).toMatch(
      /trigger is not Ready: Unable to get the Subscriber's URI: services "nowhere"/,
    )
  })
})
