// The base of every kne command: parses in init(), and has one output path. Without --json, the command's
// human output goes to stdout (this.log, this.write) and notes to stderr; with --json, stdout carries exactly
// one JSON document, the value run() returns (or the error), and nothing else. KneErrors end the command
// with the exit code of their entry in the error table (also under --json, where oclif 4.14 would exit 1).
import {Command, Errors, type Interfaces} from '@oclif/core'
import {ERRORS, EXIT, KneError, type ErrorCode} from '../core/errors.js'

export type KneFlags<T extends typeof Command> = Interfaces.InferredFlags<T['flags'] & T['baseFlags']>
export type KneArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class KneCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  /** The exit codes --help lists for this command (meanings from the error table unless exitCodeMeanings says otherwise). */
  static exitCodes: readonly number[] = [EXIT.ok, EXIT.usage, EXIT.invalid, EXIT.unreachable, EXIT.interrupted]
  static exitCodeMeanings: Readonly<Record<number, string>> = {}
  /** A command whose --json output is a stream of records (NDJSON) reports an error on stderr, not among them. */
  static jsonErrorsOnStderr = false

  protected flags!: KneFlags<T>
  protected args!: KneArgs<T>
  /** The exit code to end with once the result is printed (a report that says "not valid" is still printed). */
  private exitAfterOutput: number | undefined

  /** Flags that may be given without a value (`--persist` or `--persist DIR`): alone, they parse as the empty string. */
  static optionalValueFlags: readonly string[] = []

  public override async init(): Promise<void> {
    await super.init()
    this.argv = withOptionalValues(this.argv, (this.ctor as typeof KneCommand).optionalValueFlags)
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof KneCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as KneFlags<T>
    this.args = args as KneArgs<T>
    // -o yaml|json|url, kubectl's format, cannot print beside --json; kne test's --output FILE (no -o) can
    const format = this.ctor.flags?.output?.char === 'o' ? (flags as {output?: string}).output : undefined
    if (format !== undefined && this.jsonEnabled()) {
      throw new KneError(
        `-o ${format} and --json do not go together: --json prints the command's result as one JSON document, -o prints it as ${format}`,
        'INVALID_FLAG',
        {suggestions: [format === 'json' ? 'drop -o json, or use -o json without --json' : `drop one of -o ${format} and --json`]},
      )
    }
  }

  public override async _run<R>(): Promise<R> {
    const result = await super._run<R>()
    if (this.exitAfterOutput !== undefined && this.exitAfterOutput !== EXIT.ok) this.exit(this.exitAfterOutput)
    return result
  }

  /** Ends the command with this exit code once its output (or its --json result) is printed. */
  protected setExitCode(code: number): void {
    this.exitAfterOutput = code
  }

  /** Writes human output to stdout; nothing under --json, where the result is the output. */
  protected write(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text)
  }

  /** Writes a line to stderr (progress, hints), keeping stdout for results. */
  protected note(line: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${line}\n`)
  }

  /** Fails the command with a KneError's message, code, suggestions and exit code (details go to stderr unwrapped). */
  protected fail(error: KneError): never {
    if (error.details && !this.jsonEnabled()) process.stderr.write(error.details.map((d) => `  ${d}\n`).join(''))
    const cliError = new Errors.CLIError(error.message, {code: error.code, exit: error.exitCode, suggestions: error.suggestions})
    if (error.details) Object.assign(cliError, {details: error.details})
    throw cliError
  }

  protected override async catch(err: Interfaces.CommandError & Partial<Interfaces.OclifError>): Promise<unknown> {
    // this.exit(): the output is written, only the exit code is left
    if (err instanceof Errors.ExitError) throw err
    // Ctrl-C (or Esc) in any prompt
    if (err.name === 'ExitPromptError') return this.catch(new KneError('cancelled', 'CANCELLED'))
    if (err instanceof KneError) {
      // re-raise as an oclif error so it is rendered (and serialised under --json) with its exit code
      try {
        this.fail(err as KneError)
      } catch (converted) {
        return this.catch(converted as Interfaces.CommandError)
      }
    }
    if (!this.jsonEnabled()) return super.catch(err)
    // oclif's parse errors carry no code of their own
    if (err.oclif?.exit === ERRORS.USAGE.exit && (err as {code?: string}).code === undefined)
      Object.assign(err, {code: 'USAGE' satisfies ErrorCode})
    // one line, so that a consumer reading a JSON object per line can parse it
    const line = `${JSON.stringify(this.toErrorJson(err))}\n`
    if ((this.ctor as typeof KneCommand).jsonErrorsOnStderr) process.stderr.write(line)
    else process.stdout.write(line)
    // the error is printed: only its exit code is left (oclif's own catch would print it again, and exit 1)
    this.exit(err.oclif?.exit ?? err.exitCode ?? EXIT.internal)
  }
}

/** `--name` followed by nothing or by another flag becomes `--name=`, so that oclif parses it as given with an empty value. */
export function withOptionalValues(argv: readonly string[], names: readonly string[]): string[] {
  const out = [...argv]
  for (let i = 0; i < out.length; i++) {
    if (out[i] === '--') break
    const name = out[i]!.startsWith('--') ? out[i]!.slice(2) : undefined
    if (name === undefined || !names.includes(name)) continue
    const next = out[i + 1]
    if (next === undefined || next.startsWith('-')) out[i] = `--${name}=`
  }
  return out
}
