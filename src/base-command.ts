// The base of every kne command: parses in init(), makes --json available, and turns KneErrors into
// the documented exit codes (also under --json, where oclif 4.14 would otherwise exit 1).
import {Command, Errors, type Interfaces} from '@oclif/core'
import {EXIT, EXIT_CODES_HELP, KneError} from './core/errors.js'

export type KneFlags<T extends typeof Command> = Interfaces.InferredFlags<T['flags'] & T['baseFlags']>
export type KneArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class KneCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static exitCodesHelp = EXIT_CODES_HELP
  /** A command whose --json output is a stream of records (NDJSON) reports an error on stderr, not among them. */
  static jsonErrorsOnStderr = false

  protected flags!: KneFlags<T>
  protected args!: KneArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof KneCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as KneFlags<T>
    this.args = args as KneArgs<T>
  }

  /** Fails the command with a KneError's message, code, suggestions and exit code (details go to stderr unwrapped). */
  protected fail(error: KneError): never {
    if (error.details && !this.jsonEnabled()) process.stderr.write(error.details.map((d) => `  ${d}\n`).join(''))
    const cliError = new Errors.CLIError(error.message, {code: error.code, exit: error.exitCode, suggestions: error.suggestions})
    if (error.details) Object.assign(cliError, {details: error.details})
    throw cliError
  }

  protected override async catch(err: Interfaces.CommandError & Partial<Interfaces.OclifError>): Promise<unknown> {
    // Ctrl-C (or Esc) in any prompt
    if (err.name === 'ExitPromptError') return this.catch(new KneError('cancelled', 'CANCELLED', EXIT.interrupted) as unknown as Interfaces.CommandError)
    if (err instanceof KneError) {
      // re-raise as an oclif error so it is rendered (and serialised under --json) with its exit code
      try {
        this.fail(err)
      } catch (converted) {
        return this.catch(converted as Interfaces.CommandError)
      }
    }
    process.exitCode = err.oclif?.exit ?? err.exitCode ?? 1
    if (!this.jsonEnabled()) return super.catch(err)
    // one line, so that a consumer reading a JSON object per line can parse it
    const line = `${JSON.stringify(this.toErrorJson(err))}\n`
    if ((this.ctor as typeof KneCommand).jsonErrorsOnStderr) process.stderr.write(line)
    else process.stdout.write(line)
  }

  /** Writes a line to stderr (progress, hints), keeping stdout for results. */
  protected note(line: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${line}\n`)
  }
}
