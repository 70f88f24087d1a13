// Whether a process named in a file (a mesh's locator, the event log's lock) still runs.

import {readFileSync} from 'node:fs'

/**
 * True when a process with this pid runs, as this user or another (EPERM: it exists, signals are not ours to
 * send); a zombie (exited, not reaped yet: a detached kne dev's parent is gone) does not run.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    // "pid (comm) state ...": only Linux has /proc
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}
