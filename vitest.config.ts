import {availableParallelism} from 'node:os'
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    // a file per core and one more: end-to-end files spend much of their time waiting on the kne processes
    // they start, so with one file per core a core sat idle (on 2 cores: 119 s for the suite, 105 s with 3)
    maxWorkers: availableParallelism() + 1,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // every run orders the tests of each file at random, so a test that needs another to run first fails
    // early; the seed is printed at the start ("Running tests with seed"), and --sequence.seed=N repeats it
    sequence: {shuffle: {files: false, tests: true}},
  },
})
