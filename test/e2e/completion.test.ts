// Shell completion (@oclif/plugin-autocomplete): the script kne prints completes kne's commands and flags in bash,
// and its cache lives in kne's cache folder (KNE_CACHE_DIR), never in the user's home when that is set.
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {isolatedEnv, runCli} from '../helpers/cli.js'

/** What bash offers for `words` (the last one being completed), with the completion kne's script installs. */
async function bashCompletes(script: string, words: string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w}'`).join(' ')
  const program = `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}
_kne_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
  const {stdout} = await promisify(execFile)('bash', ['-c', program])
  return [...new Set(stdout.split('\n').filter(Boolean))].sort()
}

describe('kne autocomplete', () => {
  it('prints a bash script that completes commands, subcommands and flags from a cache in KNE_CACHE_DIR', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kne-cache-'))
    const env = isolatedEnv({KNE_CACHE_DIR: cache})
    const setup = await runCli(['autocomplete', 'bash'], env)
    expect(setup.code).toBe(0)
    expect(setup.stdout).toContain('kne autocomplete script bash')
    expect(existsSync(join(cache, 'autocomplete', 'functions', 'bash', 'kne.bash'))).toBe(true)

    const printed = await runCli(['autocomplete', 'script', 'bash'], env)
    expect(printed.code).toBe(0)
    expect(printed.stdout).toContain(join(cache, 'autocomplete', 'bash_setup'))

    const script = printed.stdout
    expect(await bashCompletes(script, ['kne', 'bro'])).toEqual(['broker'])
    expect(await bashCompletes(script, ['kne', 'broker', ''])).toEqual(['create', 'delete', 'describe', 'list'])
    expect(await bashCompletes(script, ['kne', 'source', 'ping', ''])).toEqual(['create', 'fire'])
    expect(await bashCompletes(script, ['kne', 'trigger', 'create', '--bro'])).toEqual(['--broker'])
    expect(await bashCompletes(script, ['kne', ''])).toEqual(expect.arrayContaining(['dev', 'send', 'tail', 'trigger', 'autocomplete']))
  })
})
