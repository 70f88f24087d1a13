// docs/ci.md's shell recipe, run as written against the built CLI in a copy of examples/orders, so the recipe
// cannot rot: the event-flow tests write a JUnit report the schema accepts, then a detached mesh is started,
// checked, sent to and stopped. `kne` is the built CLI, put first on PATH.
import {spawn} from 'node:child_process'
import {chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {describe, expect, it, onTestFinished} from 'vitest'
import {runningMeshes} from '../../src/client/locator.js'
import {isolatedEnv, repoRoot, runJs} from '../helpers/cli.js'
import {validateJunit, xpaths} from '../helpers/junit.js'
import {tempDir} from '../helpers/temp.js'

/** The block docs/ci.md marks as the recipe (```sh ci-recipe). */
function recipe(): string {
  const docs = readFileSync(join(repoRoot, 'docs', 'ci.md'), 'utf8')
  const block = /^```sh ci-recipe\n([\s\S]*?)^```$/m.exec(docs)
  if (!block?.[1]) throw new Error('docs/ci.md has no ```sh ci-recipe block')
  return block[1]
}

/** A copy of examples/orders, its test/orders.kne.yaml changed by `edit`. */
function project(edit: (text: string) => string = (text) => text): string {
  const dir = tempDir('kne-ci-recipe-')
  cpSync(join(repoRoot, 'examples', 'orders'), dir, {recursive: true})
  const tests = join(dir, 'test', 'orders.kne.yaml')
  writeFileSync(tests, edit(readFileSync(tests, 'utf8')))
  return dir
}

/** A folder holding `kne`, the built CLI. */
function kneOnPath(): string {
  const bin = tempDir('kne-bin-')
  writeFileSync(join(bin, 'kne'), `#!/bin/sh\nexec "${process.execPath}" "${runJs}" "$@"\n`)
  chmodSync(join(bin, 'kne'), 0o755)
  return bin
}

/**
 * The script run by sh in `cwd`, with the built CLI as `kne`. Its TMPDIR is the test's, so the state dir the
 * recipe makes with mktemp is found when the test ends, and a mesh a failed run left is killed.
 */
function sh(script: string, cwd: string): Promise<{code: number | null; stdout: string; stderr: string}> {
  const scratch = mkdtempSync(join(tmpdir(), 'kne-ci-tmp-'))
  onTestFinished(() => {
    for (const stateDir of readdirSync(scratch))
      for (const mesh of runningMeshes(join(scratch, stateDir))) {
        try {
          process.kill(mesh.pid, 'SIGKILL')
        } catch {
          // gone meanwhile
        }
      }
    rmSync(scratch, {recursive: true, force: true})
  })
  const env = isolatedEnv({TMPDIR: scratch})
  env.PATH = `${kneOnPath()}${delimiter}${env.PATH ?? ''}`
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

describe("docs/ci.md's shell recipe", () => {
  it('runs as written: the flow tests pass with a valid JUnit report, and the detached mesh starts and stops clean', async () => {
    const dir = project()
    const result = await sh(recipe(), dir)
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const report = readFileSync(join(dir, 'reports', 'kne-junit.xml'), 'utf8')
    expect(await validateJunit(report)).toEqual({valid: true, errors: []})
    // every test of examples/orders, passed
    expect(await xpaths(report, {tests: '/testsuites/@tests', failures: '/testsuites/@failures'})).toEqual({
      tests: expect.stringMatching(/^[1-9]\d*$/),
      failures: '0',
    })
    // kne status printed the mesh the recipe started, kne stop found nothing unfinished
    expect(result.stdout).toMatch(/Running on http:\/\/127\.0\.0\.1:\d+/)
  })

  it('fails the job with kne test exit 1 when a flow test fails, the report written first', async () => {
    const dir = project((text) => text.replace('data: {id: 1}}', 'data: {id: 9}}'))
    const result = await sh(recipe(), dir)
    expect(result.code, result.stdout + result.stderr).toBe(1)
    const report = readFileSync(join(dir, 'reports', 'kne-junit.xml'), 'utf8')
    expect(await validateJunit(report)).toEqual({valid: true, errors: []})
    const {failures, message} = await xpaths(report, {failures: '/testsuites/@failures', message: '//failure/@message'})
    expect(failures).toBe('1')
    expect(message).toContain('{"id":9}')
    expect(result.stdout).not.toMatch(/Running on/)
  })
})
