// Guards against toolchain versions that make oclif silently run stale compiled code in dev and tests
// (TypeScript 7 lacks parseConfigFileTextToJson; tsx 4.23.15 breaks register()).
import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'

const require = createRequire(import.meta.url)

describe('toolchain', () => {
  it('typescript exposes the API oclif reads tsconfig with', () => {
    expect(typeof require('typescript').parseConfigFileTextToJson).toBe('function')
  })

  it('tsx registers the way @oclif/core loads it', async () => {
    const api = await import(require.resolve('tsx/esm/api'))
    const unregister = api.register()
    expect(typeof unregister).toBe('function')
    await unregister()
  })
})
