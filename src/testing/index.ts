// kne/testing: event-flow assertions in a Node test suite (vitest, jest). A private mesh per test with
// stand-in subscribers (useMesh), and matchers that check what it did with kne test's own checks:
//
//   import {setupKneMatchers, useMesh} from 'kne/testing'
//   setupKneMatchers(expect)
//   const mesh = await useMesh('knative/', {subscribers: {payments: {failFirst: 2}, 'dead-letters': {}}})
//   await mesh.send({broker: 'default', type: 'com.example.order.created', data: {id: 1}})
//   await expect(mesh).toHaveDeadLettered({trigger: 'vip', count: 1})
//
// It imports no test framework: the type declarations are kne/testing/vitest and kne/testing/jest.
export {useMesh, KneTestMesh, registerAfterEach, type UseMeshOptions, type TestHooks, type SendFields, type SentEvent} from './use-mesh.js'
export {
  kneMatchers,
  setupKneMatchers,
  type KneMatchers,
  type DeliveryExpectation,
  type Routes,
  type MatcherResult,
  type ExpectStepFields,
  type DeliveryFields,
  type KneOutcomeMatchers,
  type KneFlowMatchers,
} from './matchers.js'
export type {RoutedEvent} from '../core/flow-test/routed.js'
