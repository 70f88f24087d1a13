// kne/testing's matchers in jest's types: `import type {} from 'kne/testing/jest'` once. Covers `expect`
// from @jest/globals and the expect package (whose Matchers jest's expect has); the global `expect` of
// @types/jest takes the snippet in docs/flow-tests.md.
import type {Matchers as ExpectMatchers} from 'expect'
import type {KneOutcomeMatchers, KneFlowMatchers, OnMesh} from './matchers.js'

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown>
    extends OnMesh<KneOutcomeMatchers, T, Promise<Awaited<R>>>, OnMesh<KneFlowMatchers, T, Promise<Awaited<R>>> {}
}

/** Jest's matchers, with kne's. */
export type KneJestMatchers = ExpectMatchers<Promise<void>>
