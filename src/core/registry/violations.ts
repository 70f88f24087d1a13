// Schema enforcement's vocabulary: the modes, and how an event's data breaks its type's schema as records,
// answers and reports carry it. No validator here: kne.yaml's reader and kne tail use these without loading one.

export const VALIDATION_MODES = ['off', 'warn', 'reject'] as const
/** off: events are not checked; warn: violations are recorded in the activity; reject: ingress answers 400. */
export type ValidationMode = (typeof VALIDATION_MODES)[number]

/** One way the data breaks its schema: where (a JSON Pointer into the data, '' for the data itself) and what. */
export interface DataViolation {
  path: string
  message: string
}

/** What checking an event found: the first violations (at most MAX_REPORTED_VIOLATIONS) and how many there were. */
export interface DataCheck {
  type: string
  violations: DataViolation[]
  total: number
}

/** `data/total: must be number`, for one line of text. */
export function formatViolation(v: DataViolation): string {
  return `data${v.path}: ${v.message}`
}

/** The violations in one line: the first few, and how many more. */
export function describeViolations(check: DataCheck, shown = 3): string {
  const first = check.violations.slice(0, shown).map(formatViolation).join('; ')
  return check.total > shown ? `${first}; and ${check.total - shown} more` : first
}
