// The reports kne test writes besides its human lines (client/render-flow-test.ts), by --reporter name:
// one function per format, so stdout and --output FILE carry the same bytes.
import {renderJunit} from './junit.js'
import type {FlowTestRun} from './report.js'
import {renderTap} from './tap.js'

export const REPORTERS = ['human', 'json', 'junit', 'tap'] as const
export type Reporter = (typeof REPORTERS)[number]

/** What each reporter prints, for messages and help. */
export const REPORT_FORMATS: Readonly<Record<Reporter, string>> = {
  human: 'lines for people',
  json: 'one JSON document',
  junit: 'JUnit XML',
  tap: 'TAP 14',
}

/** The run as the report a machine reads: --json's document, JUnit XML or TAP 14 (each ends with a newline). */
export function renderReport(run: FlowTestRun, reporter: Exclude<Reporter, 'human'>): string {
  switch (reporter) {
    case 'json':
      return `${JSON.stringify(run, null, 2)}\n`
    case 'junit':
      return renderJunit(run)
    case 'tap':
      return renderTap(run)
  }
}
