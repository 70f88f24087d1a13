// What a run of event-flow tests (kne test) found: the shape the runner produces and every reporter reads
// (the human lines, --json, JUnit XML and TAP), so that each report says the same thing.

/** How one test ended: `error` when it could not run (a bad file, a mesh that would not start). */
export type FlowTestStatus = 'passed' | 'failed' | 'error'

/** One step of a test, in file order. */
export interface FlowStepResult {
  /** 1-based, as the file's `steps` list counts. */
  step: number
  /** The step's kind: send, expect, snapshot, ... */
  kind: string
  /** One line saying what the step did or checked, e.g. "delivered to order-processor: com.example.order.created". */
  summary: string
  /** `skipped`: after a failed step, the test's remaining steps do not run. */
  status: 'passed' | 'failed' | 'error' | 'skipped'
}

/** Why a test failed or could not run. */
export interface FlowTestFailure {
  /** One line: what was expected and not found (or the problem with the file). */
  message: string
  /** The step it happened at (1-based); absent for a problem with the whole file. */
  step?: number
  /** The field the problem is in (`steps[2].expect.delivered.to`), for a bad file. */
  field?: string
  /** Lines that explain it: what the mesh did with the event (its path, each trigger's decision and why, each attempt) and the nearest candidates. */
  details: string[]
}

export interface FlowTestResult {
  /** The test file, relative to the folder kne test ran in. */
  file: string
  /** The test's `name` (a file may hold several tests, as YAML documents). */
  name: string
  status: FlowTestStatus
  /** Wall-clock time the test took. */
  durationMs: number
  /** Time that passed on the mesh's clock (the virtual clock's, unless --real-time). */
  meshMs: number
  steps: FlowStepResult[]
  failure?: FlowTestFailure
}

export interface FlowTestRun {
  tests: FlowTestResult[]
  passed: number
  failed: number
  errors: number
  durationMs: number
  /** When the run started (ISO 8601), for reports that carry a timestamp. */
  startedAt: string
}
