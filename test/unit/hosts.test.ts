import {describe, expect, it} from 'vitest'
import {acceptedHostNames, exposedWarning, hostNameOf, isLoopbackHost} from '../../src/core/hosts.js'

describe('the host names the mesh answers to', () => {
  it('accepts the loopback names and the host it was bound to, any name when bound to every interface', () => {
    expect(acceptedHostNames('127.0.0.1', '127.0.0.1')).toEqual(new Set(['localhost', '127.0.0.1', '[::1]']))
    expect(acceptedHostNames('Box.Local', '192.168.1.5')).toEqual(new Set(['localhost', '127.0.0.1', '[::1]', 'box.local', '192.168.1.5']))
    expect(acceptedHostNames('::1', '::1')).toEqual(new Set(['localhost', '127.0.0.1', '[::1]']))
    expect(acceptedHostNames('0.0.0.0', '0.0.0.0')).toBeUndefined()
    expect(acceptedHostNames('::', '::')).toBeUndefined()
  })

  it('reads the name of a Host header without its port', () => {
    expect(['localhost:8080', 'LOCALHOST', '[::1]:8080', '[::1]', '127.0.0.1:1'].map(hostNameOf)).toEqual([
      'localhost',
      'localhost',
      '[::1]',
      '[::1]',
      '127.0.0.1',
    ])
  })

  it('warns kne dev that nothing is authenticated when it binds beyond loopback', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(exposedWarning(host), host).toBeUndefined()
    expect(isLoopbackHost('192.168.1.5')).toBe(false)
    expect(exposedWarning('192.168.1.5')).toMatch(/^kne dev listens on 192\.168\.1\.5: nothing it serves is authenticated/)
    expect(exposedWarning('0.0.0.0')).toMatch(/any host name, so a web page can reach it through DNS rebinding/)
  })
})
