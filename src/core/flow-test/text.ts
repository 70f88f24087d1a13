// What the report files (JUnit XML, TAP) share: why a test did not pass, read the same way, and text made
// safe for a file (XML 1.0 forbids most C0 control characters even as references; a lone surrogate is not
// valid UTF-8).
import type {FlowStepResult, FlowTestFailure, FlowTestResult} from './report.js'

/** Why a test that did not pass failed (a result without a failure still gets a message), and the step it failed at. */
export function failureOf(test: FlowTestResult): {failure: FlowTestFailure; step?: FlowStepResult} {
  const failure = test.failure ?? {message: `the test ${test.status === 'error' ? 'could not run' : 'failed'}`, details: []}
  const step = failure.step === undefined ? undefined : test.steps.find((candidate) => candidate.step === failure.step)
  return {failure, step}
}

/**
 * The text with each character a report cannot carry (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF;
 * a lone surrogate) written as a `\uXXXX` escape, the way the same value reads in JSON.
 */
export function printable(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    const forbidden =
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      code === 0xfffe ||
      code === 0xffff
    out += forbidden ? `\\u${code.toString(16).padStart(4, '0')}` : char
  }
  return out
}
