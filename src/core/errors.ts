// Every error kne reports to a user: one table of codes, each with the exit code it ends the command with
// (shown in --help and docs/exit-codes.md). A KneError can only be made with a code from the table.

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
  /** kne run: the command exists but cannot be run (what a shell answers). */
  cannotRun: 126,
  /** kne run: the command cannot be found (what a shell answers). */
  commandNotFound: 127,
  /** Stopped by Ctrl-C (SIGINT), the shell's 128 + 2. */
  interrupted: 130,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** What each exit code means, in the order --help lists them. */
export const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  [EXIT.ok]: 'success',
  [EXIT.internal]: 'unexpected error (a bug in kne: please report it)',
  [EXIT.usage]: 'bad flag, argument or name',
  [EXIT.invalid]: 'invalid manifest or filter',
  [EXIT.unreachable]: 'no kne mesh running or reachable',
  [EXIT.rejected]: 'the event was rejected or not delivered',
  [EXIT.timeout]: 'timed out waiting',
  [EXIT.interrupted]: 'interrupted (Ctrl-C)',
}

interface ErrorEntry {
  readonly exit: ExitCode
  readonly means: string
}

/** Every error code kne uses: the exit code it gives and what it means. */
export const ERRORS = {
  // usage (2): what was typed cannot be used
  USAGE: {
    exit: EXIT.usage,
    means: "the command line does not parse: a missing, unknown or unexpected flag or argument (oclif's message says which)",
  },
  INVALID_FLAG: {exit: EXIT.usage, means: 'a flag value kne cannot use, or flags that do not go together'},
  MISSING_FLAG: {exit: EXIT.usage, means: 'a flag the command needs was not given (and there is no terminal to ask)'},
  INVALID_INPUT: {exit: EXIT.usage, means: 'the event, filter or trigger given to kne filter test is not valid'},
  INVALID_EVENT: {exit: EXIT.usage, means: 'the event kne send would build is not a valid CloudEvent'},
  INVALID_NAME: {exit: EXIT.usage, means: 'a name that is not a Kubernetes name'},
  INVALID_NAMESPACE: {exit: EXIT.usage, means: 'a namespace that is not a Kubernetes name'},
  ALREADY_EXISTS: {exit: EXIT.usage, means: 'the resource exists already (--force replaces it)'},
  AMBIGUOUS: {exit: EXIT.usage, means: 'the name matches several resources'},
  NOT_FOUND: {exit: EXIT.usage, means: 'no resource of that name'},
  UNKNOWN_TYPE: {exit: EXIT.usage, means: 'an event type the registry does not know'},
  NO_EXAMPLE: {exit: EXIT.usage, means: 'the registry has no example of the event type (no schema, no event seen)'},
  IN_LIST: {exit: EXIT.usage, means: 'the resource is an item of a List, which kne does not rewrite'},
  DATA_FILE: {exit: EXIT.usage, means: 'the data file cannot be read'},
  DATA_TOO_LARGE: {exit: EXIT.usage, means: 'the event data is larger than kne sends'},
  EVENT_FILE: {exit: EXIT.usage, means: 'an event file cannot be read or written, or is not valid (the message says where)'},
  NO_MANIFESTS: {exit: EXIT.usage, means: 'no manifests to read'},
  NO_SUCH_PATH: {exit: EXIT.usage, means: 'a file or folder that does not exist'},
  NO_TESTS: {exit: EXIT.usage, means: 'kne test found no *.kne.yaml file where it looked'},
  REPORT_FILE: {exit: EXIT.usage, means: 'kne test --output: the report file cannot be written (the message says why)'},
  DOCUMENT_FILE: {
    exit: EXIT.usage,
    means: 'kne registry export -o / import: the AsyncAPI or xRegistry file cannot be read or written (the message says why)',
  },
  NOT_A_FOLDER: {exit: EXIT.usage, means: 'a path that should be a folder is not one'},
  NOT_A_TTY: {exit: EXIT.usage, means: 'an interactive command without a terminal'},
  PORT_IN_USE: {exit: EXIT.usage, means: 'the port is taken (--port 0 picks a free one)'},
  SINK_UNRESOLVED: {exit: EXIT.usage, means: 'the --sink given does not resolve'},
  UNKNOWN_COMMAND: {exit: EXIT.usage, means: 'not a kne command'},
  NOT_SCAFFOLDED: {exit: EXIT.usage, means: 'kne has no template for that kind'},
  EVENT_NOT_FOUND: {exit: EXIT.usage, means: 'no event with that arrival number or id in the mesh (or the log folder)'},
  EVENT_LOG_IN_USE: {exit: EXIT.usage, means: "the event log's folder is used by another kne dev (the message names its pid)"},
  NOT_AN_EVENT_LOG: {exit: EXIT.usage, means: "the folder given for the event log holds something that is not kne's event log"},
  EVENT_LOG_TOO_NEW: {exit: EXIT.usage, means: 'the event log was written by a newer kne'},
  EVENT_LOG_WRITE_FAILED: {
    exit: EXIT.usage,
    means: 'the event log cannot be written (a full disk, an I/O error, no permission): the message names the file',
  },
  // invalid (3)
  INVALID_MANIFEST: {exit: EXIT.invalid, means: 'a manifest does not validate'},
  INVALID_PROJECT: {exit: EXIT.invalid, means: 'kne.yaml does not validate'},
  INVALID_TEST_FILE: {
    exit: EXIT.invalid,
    means: 'a kne test file, or the manifests a test runs, does not validate (the message names the file, step and field)',
  },
  INVALID_DOCUMENT: {
    exit: EXIT.invalid,
    means:
      'kne registry import: the document is not AsyncAPI 3 or xRegistry, or parts of it cannot be mapped (each with its path in the document)',
  },
  NOT_READY: {exit: EXIT.invalid, means: 'the resource is not Ready (its references do not resolve)'},
  BINDING_SINK_UNRESOLVED: {exit: EXIT.invalid, means: "a SinkBinding's sink does not resolve"},
  SNAPSHOT_FILE: {
    exit: EXIT.invalid,
    means: 'a routing snapshot file cannot be read or written, or is not one kne wrote (the message says where)',
  },
  // unreachable (4)
  MESH_NOT_RUNNING: {exit: EXIT.unreachable, means: 'no kne mesh is running (start kne dev, or set KNE_URL)'},
  MESH_UNREACHABLE: {exit: EXIT.unreachable, means: 'the mesh cannot be reached'},
  MESH_STOPPED: {exit: EXIT.unreachable, means: 'the mesh stopped while the command waited for it'},
  STREAM_BROKEN: {exit: EXIT.unreachable, means: "the mesh's activity stream broke off"},
  NO_URL: {exit: EXIT.unreachable, means: 'the resource has no URL (no running mesh serves it)'},
  // rejected (5), timeout (6)
  EVENT_REJECTED: {exit: EXIT.rejected, means: 'the receiver did not accept the event (not 2xx)'},
  SEND_TIMEOUT: {exit: EXIT.timeout, means: 'no answer in --timeout'},
  TAIL_TIMEOUT: {exit: EXIT.timeout, means: '--count events did not settle in --timeout'},
  DETACHED_TIMEOUT: {exit: EXIT.timeout, means: 'kne dev --detach: the mesh was not Ready in --wait-timeout (it is stopped)'},
  MESH_NOT_STOPPED: {exit: EXIT.timeout, means: 'kne stop: the mesh did not exit after its drain time and 10s more (it is killed)'},
  RECORD_TIMEOUT: {exit: EXIT.timeout, means: 'kne record: --count events did not arrive in --timeout'},
  // kne run passes on what a shell answers
  COMMAND_FAILED: {exit: EXIT.cannotRun, means: 'kne run: the command cannot be run'},
  COMMAND_NOT_FOUND: {exit: EXIT.commandNotFound, means: 'kne run: the command cannot be found'},
  // interrupted (130)
  CANCELLED: {exit: EXIT.interrupted, means: 'Ctrl-C (or Esc) at a prompt'},
  INTERRUPTED: {exit: EXIT.interrupted, means: 'Ctrl-C before the command was done'},
  // internal (1): kne or the mesh did something it should not
  MESH_ERROR: {exit: EXIT.internal, means: 'the mesh answered in a way kne does not expect'},
  STREAM_OVERFLOW: {exit: EXIT.internal, means: 'the mesh cut a stream its reader did not keep up with'},
} as const satisfies Record<string, ErrorEntry>

export type ErrorCode = keyof typeof ERRORS

/** The exit code an error code gives. */
export type ExitOf<C extends ErrorCode> = (typeof ERRORS)[C]['exit']

export class KneError<C extends ErrorCode = ErrorCode> extends Error {
  /** One line per problem (e.g. every manifest error), printed unwrapped and included under --json. */
  details?: string[]
  /** From the table: the exit code the command ends with. */
  readonly exitCode: ExitOf<C>
  readonly suggestions: string[]

  /**
   * `new KneError(message, code, {suggestions})`. The older form `(message, code, exitCode, suggestions)` is
   * still accepted; its exit code must be the table's (the compiler checks it).
   */
  constructor(
    message: string,
    readonly code: C,
    ...rest: [options?: {suggestions?: string[]}] | [exitCode: ExitOf<C>, suggestions?: string[]]
  ) {
    super(message)
    this.name = 'KneError'
    this.exitCode = ERRORS[code].exit
    const [first, second] = rest
    this.suggestions = (typeof first === 'object' ? first.suggestions : second) ?? []
  }

  withDetails(details: string[]): this {
    this.details = details
    return this
  }
}

/** The exit codes and their meanings, one per line, as --help shows them. */
export function exitCodesHelp(
  codes: readonly number[] = Object.keys(EXIT_MEANINGS).map(Number),
  meanings: Readonly<Record<number, string>> = {},
): string {
  const lines = codes.map((code) => [String(code), meanings[code] ?? EXIT_MEANINGS[code] ?? ''] as const)
  const width = Math.max(...lines.map(([code]) => code.length))
  return lines.map(([code, meaning]) => `${code.padEnd(width)}  ${meaning}`).join('\n')
}
