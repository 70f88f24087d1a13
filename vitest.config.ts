import {availableParallelism} from 'node:os'
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    // one file per core: vitest's default leaves a core idle, and on a 2-core machine that doubles the run
    maxWorkers: availableParallelism(),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // every run orders the tests of each file at random, so a test that needs another to run first fails
    // early; the seed is printed at the start ("Running tests with seed"), and --sequence.seed=N repeats it
    sequence: {shuffle: {files: false, tests: true}},
  },
})
