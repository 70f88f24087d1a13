// The expectation checks on a live mesh through the library, as a test suite's matchers call them: the same
// answers and explanations as kne test, with subscribers named by the caller.
import {describe, expect, it} from 'vitest'
import {checkExpectation, observeMesh, VirtualClock} from '../../src/index.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

describe('observeMesh and checkExpectation', () => {
  it('checks deliveries of a running mesh and explains a miss with the caller’s names', async () => {
    const shipping = await kit.subscriber()
    const clock = new VirtualClock()
    const mesh = await kit.mesh(
      `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: ship}
spec:
  broker: default
  filter: {attributes: {type: com.example.order.paid}}
  subscriber: {uri: "${shipping.url}/in"}
`,
      {clock},
    )
    const answer = await clock.runUntil(
      post(
        `${mesh.url}/default/default`,
        binaryHeaders('com.example.order.paid', {'ce-id': 'o-1', 'content-type': 'application/json'}),
        '{"id":1}',
      ),
    )
    expect(answer.status).toBe(202)
    const observation = observeMesh(mesh, new Map([['shipping', shipping.url]]))
    expect(checkExpectation({kind: 'delivered', to: 'shipping', trigger: 'ship', data: {id: 1}}, observation).pass).toBe(true)
    const miss = checkExpectation({kind: 'delivered', to: 'shipping', type: 'com.example.order.shipped'}, observation)
    expect(miss.pass).toBe(false)
    expect(miss.details).toContain('    → default/ship → shipping attempt 1: HTTP 200')
    expect(miss.details).toContain('    type: want com.example.order.shipped, saw com.example.order.paid')
  })
})
