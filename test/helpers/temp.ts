// A folder of its own for each test (under the system's temporary folder, never the repository), removed
// when the test ends, passed or failed.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {onTestFinished} from 'vitest'

/** A new empty folder, removed when the calling test ends (call it inside a test or a beforeEach). */
export function tempDir(prefix = 'kne-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}
