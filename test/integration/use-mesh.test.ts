// useMesh closes what a test opened even when the test fails: a vitest of its own runs a fixture file whose
// first test opens a mesh and a subscriber and fails, and whose second test finds both ports closed; a mesh
// made in beforeAll is closed after the file.
import {describe, expect, it} from 'vitest'
import {startVitest} from 'vitest/node'
import {repoRoot} from '../helpers/cli.js'

describe('useMesh', () => {
  it('closes the meshes and subscribers of a failed test: their ports refuse connections afterwards', async () => {
    const exitCode = process.exitCode // the inner run fails one test on purpose and would mark this process failed
    const vitest = await startVitest('test', [], {
      config: false,
      cache: false,
      pool: 'threads',
      root: repoRoot,
      watch: false,
      include: ['test/fixtures/use-mesh/failing-test.ts'],
      reporters: [{}],
      sequence: {shuffle: false},
    })
    try {
      const [file] = vitest.state.getFiles()
      const outcome = (task: {name: string; result?: {state?: string; errors?: {message: string}[]}}) => [
        task.name,
        task.result?.state,
        task.result?.errors?.[0]?.message,
      ]
      expect(file!.tasks.map(outcome)).toEqual([
        [
          'opens a mesh and a subscriber, then fails',
          'fail',
          expect.stringContaining("expected 'the assertion that fails' to be 'what the test wanted'"),
        ],
        ['finds both ports refusing connections after the failed test', 'pass', undefined],
        ['a mesh made in beforeAll', 'pass', undefined],
      ])
    } finally {
      await vitest.close()
      process.exitCode = exitCode
    }
  })
})
