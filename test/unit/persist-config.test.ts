// kne.yaml's `persist:` and the --persist flags: where the event log goes, how it syncs and what bounds it,
// the flags winning over kne.yaml, and every mistake naming its field.
import {describe, expect, it} from 'vitest'
import {withOptionalValues} from '../../src/cli/command.js'
import {parseProjectConfig, resolvePersist} from '../../src/core/project.js'

const parse = (text: string) => parseProjectConfig(text, 'kne.yaml')
const where = {projectDir: '/work/shop', cwd: '/home/me'}

describe("kne.yaml's persist", () => {
  it('reads true, a folder, and a mapping with sync and bounds', () => {
    expect(parse('persist: true\n').config.persist).toEqual({dir: '.kne'})
    expect(parse('persist: false\n').config.persist).toBeUndefined()
    expect(parse('persist: var/log\n').config.persist).toEqual({dir: 'var/log'})
    const {config, errors} = parse('persist:\n  sync: always\n  maxSize: 1Gi\n  maxAge: 7d\n')
    expect(errors).toEqual([])
    expect(config.persist).toEqual({dir: '.kne', sync: 'always', maxBytes: 1024 ** 3, maxAgeMs: 7 * 86_400_000})
  })

  it('names the field of every mistake', () => {
    const {errors} = parse('persist:\n  sync: sometimes\n  maxSize: big\n  maxAge: -1\n  folder: x\n')
    expect(errors.map((e) => e.field).sort()).toEqual(['persist.folder', 'persist.maxAge', 'persist.maxSize', 'persist.sync'])
    expect(errors.find((e) => e.field === 'persist.sync')?.message).toBe('must be always or batch, got "sometimes"')
    expect(parse('persist: 3\n').errors[0]).toMatchObject({
      field: 'persist',
      message: expect.stringContaining('must be true, a folder') as string,
    })
  })
})

describe('resolvePersist', () => {
  it('puts the log beside kne.yaml unless --persist names a folder, which is relative to the current folder', () => {
    expect(resolvePersist({dir: '.kne'}, {}, where)).toEqual({dir: '/work/shop/.kne'})
    expect(resolvePersist(undefined, {dir: ''}, where)).toEqual({dir: '/work/shop/.kne'})
    expect(resolvePersist({dir: 'logs', sync: 'always'}, {dir: ''}, where)).toEqual({dir: '/work/shop/logs', sync: 'always'})
    expect(resolvePersist({dir: 'logs'}, {dir: 'tmp/log'}, where)).toEqual({dir: '/home/me/tmp/log'})
    expect(resolvePersist(undefined, {}, where)).toBeUndefined()
  })

  it('lets --persist-sync and --persist-max win over kne.yaml, and refuses them without a log', () => {
    expect(
      resolvePersist({dir: '.kne', sync: 'always', maxBytes: 1}, {sync: 'batch', bounds: [{bytes: 5}, {ageMs: 60_000}]}, where),
    ).toEqual({dir: '/work/shop/.kne', sync: 'batch', maxBytes: 5, maxAgeMs: 60_000})
    expect(resolvePersist(undefined, {sync: 'always'}, where)).toEqual({error: expect.stringContaining('add --persist') as string})
  })
})

describe('a flag that may go without its value', () => {
  it('is given the empty value when nothing or another flag follows it, and keeps a value that follows', () => {
    expect(withOptionalValues(['--persist'], ['persist'])).toEqual(['--persist='])
    expect(withOptionalValues(['--persist', '-f', 'k/'], ['persist'])).toEqual(['--persist=', '-f', 'k/'])
    expect(withOptionalValues(['--persist', 'logs', '--port', '0'], ['persist'])).toEqual(['--persist', 'logs', '--port', '0'])
    expect(withOptionalValues(['--', '--persist'], ['persist'])).toEqual(['--', '--persist'])
  })
})
