// What every command shares: flag values checked as oclif parses them (exit 2, the flag named, nothing done),
// exit codes in --help, and the error table's exit codes.
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ERRORS, EXIT, KneError} from '../../src/core/errors.js'
import {repoRoot} from '../helpers/cli.js'
import {jsonOf, runKne} from '../helpers/command.js'

describe('flag values', () => {
  it.each([
    [['send', '--type', 'x', '--timeout', '5x'], '--timeout', '5x: expected a duration such as 15s, 500ms, 2m or PT15S'],
    [['tail', '--timeout', 'soon'], '--timeout', 'soon: expected a duration'],
    [['sink', '--delay', '-1s'], '--delay', 'expected a duration'],
    [['sink', '--fail-rate', '2'], '--fail-rate', '2: expected a number from 0 to 1'],
    [['sink', '--retry-after', 'later'], '--retry-after', 'later: expected seconds (5) or an HTTP-date'],
    [['dev', '--history-bytes', '64MB'], '--history-bytes', '64MB: expected a size in bytes such as 64Mi'],
    [['dev', '--drain-timeout', 'later'], '--drain-timeout', 'later: expected a duration'],
    [['dev', '--service', 'orders'], '--service', 'expected NAME=URL'],
    [['send', '--type', 'x', '--to', 'kafka:orders'], '--to', 'unknown prefix "kafka"'],
    [['send', '--type', 'x', '--extension', 'novalue'], '--extension', 'novalue: expected KEY=VALUE'],
    [['filter', 'test', '--type', 'x', '--filter', '=x'], '--filter', '=x: expected KEY=VALUE'],
    [['run', '--sink', 'kafka:x', '--', 'true'], '--sink', 'unknown prefix "kafka"'],
  ])('kne %j exits 2 naming %s', async (args, flag, message) => {
    const result = await runKne(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`Parsing ${flag}`)
    expect(result.stderr).toContain(message)
  })

  it('kne sink exits 2 for a behaviour it cannot follow, before it listens', async () => {
    for (const args of [
      ['--status', '42'],
      ['--reply-data', 'x'],
    ]) {
      const result = await runKne(['sink', '--port', '0', ...args])
      expect({args, code: result.code}).toEqual({args, code: 2})
    }
  })

  it('a bad value under --json is one JSON error with the code INVALID_FLAG', async () => {
    const result = await runKne(['send', '--type', 'x', '--timeout', '5x', '--json'])
    expect(result.code).toBe(2)
    expect(jsonOf(result)).toMatchObject({error: {code: 'INVALID_FLAG', message: expect.stringContaining('Parsing --timeout')}})
  })

  it('a create command with a bad sink, delay or pair writes nothing', async () => {
    const project = mkdtempSync(join(tmpdir(), 'kne-flags-'))
    for (const args of [
      ['trigger', 'create', 't1', '--sink', 'kafka:x'],
      ['trigger', 'create', 't1', '--sink', 'ksvc:x', '--backoff-delay', 'soon'],
      ['trigger', 'create', 't1', '--sink', 'ksvc:x', '--prefix', 'type'],
      ['source', 'container', 'create', 's1', '--image', 'i', '--env', 'X', '--sink', 'ksvc:x'],
    ]) {
      const result = await runKne(args, {cwd: project})
      expect(result.code, args.join(' ')).toBe(2)
    }
    expect(existsSync(join(project, 'knative'))).toBe(false)
  })

  it('delivery durations are written as ISO-8601, whichever form was typed', async () => {
    const project = mkdtempSync(join(tmpdir(), 'kne-flags-'))
    const result = await runKne(['broker', 'create', 'orders', '--backoff-delay', '200ms', '--timeout', 'PT5S', '--dry-run', '--json'], {
      cwd: project,
    })
    expect(result.code, result.stderr).toBe(0)
    expect(jsonOf(result).spec.delivery).toEqual({backoffDelay: 'PT0.2S', timeout: 'PT5S'})
  })
})

describe('exit codes', () => {
  it('kne send --help lists its exit codes', async () => {
    const result = await runKne(['send', '--help'])
    expect(result.code).toBe(0)
    const section = result.stdout.slice(result.stdout.indexOf('EXIT CODES'))
    expect(section).toMatch(
      /^EXIT CODES\n {2}0 +success\n {2}2 +bad flag, argument or name\n {2}4 +no kne mesh running or reachable\n {2}5 +the event was rejected or not delivered\n {2}6 +timed out waiting\n {2}130 +interrupted \(Ctrl-C\)/,
    )
  })

  it('kne filter test --help says what 1 means for it', async () => {
    const result = await runKne(['filter', 'test', '--help'])
    expect(result.stdout).toMatch(
      /EXIT CODES\n {2}0 +the event would be delivered.*\n {2}1 +the event would not be delivered\n {2}2 +the event, filter or trigger is not valid/,
    )
  })

  it('a KneError takes its exit code from the table, and only internal errors exit 1', () => {
    expect(new KneError('no mesh', 'MESH_NOT_RUNNING').exitCode).toBe(EXIT.unreachable)
    expect(new KneError('x', 'INVALID_FLAG', {suggestions: ['try y']}).suggestions).toEqual(['try y'])
    // @ts-expect-error an error code that is not in the table does not compile
    expect(() => new KneError('x', 'NO_SUCH_CODE')).toThrow()
    const exitOne = Object.entries(ERRORS)
      .filter(([, e]) => e.exit === EXIT.internal)
      .map(([code]) => code)
    expect(exitOne.sort()).toEqual(['MESH_ERROR', 'STREAM_OVERFLOW'])
  })

  it('docs/output-and-errors.md lists every error code with its exit code', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'output-and-errors.md'), 'utf8')
    const documented = Object.fromEntries([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]))
    expect(documented).toEqual(Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.exit])))
  })
})
