// kne.yaml's services (a URL, or a command kne dev runs) and containerSources: old configs stay valid,
// new entries are read with their defaults, and every mistake names its field.
import {describe, expect, it} from 'vitest'
import {parseProjectConfig, referenceableServices} from '../../src/core/project.js'

const parse = (text: string) => parseProjectConfig(text, 'kne.yaml')

describe('kne.yaml services', () => {
  it('keeps URL entries as they were', () => {
    const {config, errors} = parse('services:\n  orders: http://127.0.0.1:3000\n  shop/display: http://127.0.0.1:3001\n')
    expect(errors).toEqual([])
    expect(config.services).toEqual({orders: 'http://127.0.0.1:3000', 'shop/display': 'http://127.0.0.1:3001'})
    expect(config.localServices).toEqual({})
  })

  it('reads a command entry; with a port its URL is known at once, without one kne dev picks the port', () => {
    const {config, errors} = parse(`services:
  display:
    command: node server.js
    port: 3000
    cwd: services/display
    env: {LOG_LEVEL: debug, WORKERS: 2}
    labels: {app: display}
  worker:
    command: [python, -m, worker]
`)
    expect(errors).toEqual([])
    expect(config.localServices).toEqual({
      display: {
        command: 'node server.js',
        port: 3000,
        cwd: 'services/display',
        env: {LOG_LEVEL: 'debug', WORKERS: '2'},
        labels: {app: 'display'},
      },
      worker: {command: ['python', '-m', 'worker'], env: {}, labels: {}},
    })
    expect(config.services).toEqual({display: 'http://127.0.0.1:3000'})
    // kne validate checks references against every service name, port known or not
    expect(Object.keys(referenceableServices(config))).toEqual(['display', 'worker'])
  })

  it('reads containerSources commands', () => {
    const {config, errors} = parse('containerSources:\n  heartbeats:\n    command: node heartbeats.js --period=1\n    env: {A: "1"}\n')
    expect(errors).toEqual([])
    expect(config.containerSources).toEqual({heartbeats: {command: 'node heartbeats.js --period=1', env: {A: '1'}}})
  })

  it('names the field of every mistake', () => {
    const {errors} = parse(`services:
  a: {port: 3000}
  b: {command: node b.js, port: 70000, color: red}
  c: {command: [], env: {X: {nested: 1}}}
  d: 42
containerSources:
  e: node e.js
`)
    expect(errors.map((e) => e.field)).toEqual([
      'services.a.command',
      'services.b.color',
      'services.b.port',
      'services.c.command',
      'services.c.env.X',
      'services.d',
      'containerSources.e',
    ])
    expect(errors[0]!.message).toMatch(/must be a command line \("node server\.js"\) or a list of arguments/)
  })
})
