// Every error kne reports to a user, with the exit code it ends the command with (shown in --help).

export const EXIT = {
  ok: 0,
  /** Unexpected: a bug. */
  internal: 1,
  /** Bad flag, argument or name. */
  usage: 2,
  /** A manifest or filter failed validation. */
  invalid: 3,
  /** No mesh running, or it cannot be reached. */
  unreachable: 4,
  /** The event was not accepted or delivered. */
  rejected: 5,
  /** Waited for something that did not come in time. */
  timeout: 6,
  /** Stopped by Ctrl-C (SIGINT), the shell's 128 + 2. */
  interrupted: 130,
} as const

export class KneError extends Error {
  /** One line per problem (e.g. every manifest error), printed unwrapped and included under --json. */
  details?: string[]

  constructor(message: string, readonly code: string, readonly exitCode: number = EXIT.internal, readonly suggestions: string[] = []) {
    super(message)
    this.name = 'KneError'
  }

  withDetails(details: string[]): this {
    this.details = details
    return this
  }
}

export const EXIT_CODES_HELP = [
  '0  success',
  '1  unexpected error',
  '2  bad flag, argument or name',
  '3  invalid manifest or filter',
  '4  no kne mesh running or reachable',
  '5  the event was rejected or not delivered',
  '6  timed out waiting',
  '130  interrupted (Ctrl-C)',
].join('\n')
