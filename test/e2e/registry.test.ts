// kne registry browse (and a create command's prompt) in a real terminal, from the built CLI: search, read a
// type, quit, and Ctrl-C exits 130 as a shell reports SIGINT.
import {spawn, spawnSync} from 'node:child_process'
import {beforeAll, describe, expect, it} from 'vitest'
import {isolatedEnv, runJs} from '../helpers/cli.js'
import {registryProject, trigger} from '../helpers/registry-project.js'

describe('kne registry browse in a terminal', () => {
  let dir: string
  const env = isolatedEnv()

  beforeAll(() => {
    dir = registryProject(trigger('orders', '  filter: {attributes: {type: com.example.order.created}}\n', 'http://127.0.0.1:9/orders'))
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('browse in a terminal: search, read a type, quit', async () => {
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" registry browse`, '/dev/null'], {cwd: dir, env})
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (const deadline = Date.now() + 20_000; !pattern.test(screen); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on screen:\n${screen}`)
      }
    }
    await waitFor(/Event type \(2 known/)
    child.stdin.write('order')
    await waitFor(/com\.example\.order\.created/)
    child.stdin.write('\r')
    await waitFor(/What now\?/)
    expect(screen).toContain('An order was placed')
    expect(screen).toContain('kne send --type com.example.order.created')
    child.stdin.write('\x1b[B\x1b[B\x1b[B\r') // down to Quit
    expect(await exited).toBe(0)
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('browse exits 130 on Ctrl-C, as a shell reports SIGINT', async () => {
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" registry browse`, '/dev/null'], {cwd: dir, env})
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    for (const deadline = Date.now() + 20_000; !/Event type/.test(screen); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`no prompt on screen:\n${screen}`)
    }
    child.stdin.write('\x03')
    expect(await exited).toBe(130)
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'trigger create exits 130 on Ctrl-C at its first prompt, like browse',
    async () => {
      const child = spawn('script', ['-qfec', `"${process.execPath}" "${runJs}" trigger create`, '/dev/null'], {cwd: dir, env})
      let screen = ''
      child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      for (const deadline = Date.now() + 20_000; !/\?/.test(screen); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline) throw new Error(`no prompt on screen:\n${screen}`)
      }
      child.stdin.write('\x03')
      expect(await exited).toBe(130)
    },
  )
})
