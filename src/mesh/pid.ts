// Whether a process named in a file (a mesh's locator, the event log's lock) still runs.

/** True when a process with this pid runs, as this user or another (EPERM: it exists, signals are not ours to send). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
