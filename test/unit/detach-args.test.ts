// The kne dev a detaching kne dev starts: the same flags, without the ones only the parent reads, and --json for its log.
import {describe, expect, it} from 'vitest'
import {detachedDevArgs} from '../../src/client/detach.js'

describe('detachedDevArgs', () => {
  it('drops --detach, --wait-timeout (both spellings) and --json, and adds --json once', () => {
    expect(detachedDevArgs(['--detach', '-f', 'knative/', '--wait-timeout', '5s', '--json', '--port', '0', '--wait-timeout=1m'])).toEqual([
      'dev',
      '-f',
      'knative/',
      '--port',
      '0',
      '--json',
    ])
  })

  it('keeps what follows -- as it is', () => {
    expect(detachedDevArgs(['--detach', '--', '--json'])).toEqual(['dev', '--json', '--', '--json'])
  })
})
