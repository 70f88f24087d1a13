// kne/testing's matchers in vitest's types: `import type {} from 'kne/testing/vitest'` once (a setup file,
// or a .d.ts the tsconfig includes) and `await expect(mesh).toHaveDelivered({...})` type-checks.
import type {Assertion} from 'vitest'
import type {KneOutcomeMatchers, KneFlowMatchers, OnMesh} from './matchers.js'

declare module 'vitest' {
  interface Matchers<T> extends OnMesh<KneOutcomeMatchers, T, Promise<void>>, OnMesh<KneFlowMatchers, T, Promise<void>> {}
}

/** vitest's assertion, with kne's matchers. */
export type KneAssertion<T = unknown> = Assertion<T>
