// What every kne command does with errors: Ctrl-C in a prompt exits 130, whichever command asked.
import {Config} from '@oclif/core'
import {afterEach, describe, expect, it} from 'vitest'
import {KneCommand} from '../../src/cli/index.js'
import {repoRoot} from '../helpers/cli.js'

afterEach(() => {
  process.exitCode = undefined
})

class Asks extends KneCommand<typeof Asks> {
  async run(): Promise<void> {
    // what @inquirer/prompts throws on Ctrl-C
    throw Object.assign(new Error('User force closed the prompt with SIGINT'), {name: 'ExitPromptError'})
  }
}

describe('the base command', () => {
  it('turns Ctrl-C in a prompt into exit 130', async () => {
    await expect(Asks.run([], await Config.load(repoRoot))).rejects.toMatchObject({message: 'cancelled', oclif: {exit: 130}})
  })
})
