// Runs the built CLI (bin/run.js) as a user would, in its own data folder so tests never see each other's mesh. For
// tests whose subject is not the process (its signals, stdin, terminal, lifetime), test/helpers/command.ts runs a
// command in the test's process instead.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const runJs = join(repoRoot, 'bin', 'run.js')

export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, KNE_DATA_DIR: mkdtempSync(join(tmpdir(), 'kne-e2e-')), NO_COLOR: '1'}
  delete env.KNE_URL
  delete env.NODE_ENV // vitest sets NODE_ENV=test, which would make oclif load src/ instead of dist/
  return {...env, ...extra}
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `kne ARGS` to completion in the repository folder. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return runCliIn(repoRoot, args, env, input)
}

/** Runs `kne ARGS` to completion in `cwd` (e.g. a project folder); stdin is not a TTY. */
export function runCliIn(cwd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [runJs, ...args], {env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    if (input !== undefined) child.stdin!.end(input)
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({code, stdout, stderr}))
  })
}

/** A long-running kne process (kne dev, kne tail) whose output can be awaited line by line. */
export class LongRunning {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>
  private readonly child: ChildProcess

  constructor(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) {
    this.child = spawn(process.execPath, [runJs, ...args], {env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()))
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()))
    this.exited = new Promise((resolvePromise) => this.child.on('close', (code) => resolvePromise(code)))
  }

  /** Waits until stdout or stderr matches; returns the match. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const match = pattern.exec(this.stdout) ?? pattern.exec(this.stderr)
      if (match) return match
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${pattern} in output (exit ${this.child.exitCode})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)
      }
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }
}
