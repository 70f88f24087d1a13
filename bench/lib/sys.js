// What the machine is doing: CPU time from /proc (the whole machine, one process, this process and its
// reaped children), load average, and a wait for a quiet machine. Linux only; elsewhere every figure is
// undefined and contamination cannot be judged (the report says so).
import {readFileSync} from 'node:fs'
import {cpus} from 'node:os'

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on. */
const TICKS_PER_SECOND = 100

function read(path) {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Busy and idle CPU seconds of the whole machine (all cores), and steal (time the hypervisor took). */
export function machineCpu() {
  const text = read('/proc/stat')
  if (text === undefined) return undefined
  const fields = text.slice(0, text.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields
  return {
    busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
    idle: (idle + iowait) / TICKS_PER_SECOND,
    steal: (steal ?? 0) / TICKS_PER_SECOND,
  }
}

/** utime + stime of a process (all its threads) in seconds; with children, also its reaped children's. */
export function processCpu(pid = 'self', {children = false} = {}) {
  const text = read(`/proc/${pid}/stat`)
  if (text === undefined) return undefined
  // the command name may contain spaces and parentheses: fields start after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const cutime = Number(fields[13])
  const cstime = Number(fields[14])
  return (utime + stime + (children ? cutime + cstime : 0)) / TICKS_PER_SECOND
}

/** Peak resident set size (VmHWM) of a process in bytes. */
export function peakRss(pid = 'self') {
  const match = /VmHWM:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '')
  return match ? Number(match[1]) * 1024 : undefined
}

export function loadAverage() {
  const text = read('/proc/loadavg')
  return text === undefined ? undefined : text.trim().split(/\s+/).slice(0, 3).map(Number)
}

export function machineInfo() {
  const list = cpus()
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cores: list.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

/**
 * A CPU window: call `stop()` to get the busy time of the machine, of the given processes and of the rest
 * ("background", work that is not ours), each as % of one core over the wall time.
 */
export function cpuWindow(pids) {
  const started = performance.now()
  const machine0 = machineCpu()
  const procs0 = pids.map((pid) => processCpu(pid))
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000
      const machine1 = machineCpu()
      const procs1 = pids.map((pid) => processCpu(pid))
      if (!machine0 || !machine1 || seconds <= 0) return {seconds, available: false}
      const pct = (s) => Math.round((s / seconds) * 1000) / 10
      const perProcess = pids.map((_, i) => (procs0[i] === undefined || procs1[i] === undefined ? undefined : procs1[i] - procs0[i]))
      const ours = perProcess.reduce((sum, s) => sum + (s ?? 0), 0)
      const busy = machine1.busy - machine0.busy
      return {
        seconds,
        available: true,
        processes: perProcess.map((s) => (s === undefined ? undefined : pct(s))),
        totalPct: pct(busy),
        // tick accounting can make ours exceed the machine total by a tick or two
        backgroundPct: pct(Math.max(0, busy - ours)),
        stealPct: pct(machine1.steal - machine0.steal),
      }
    },
  }
}

/**
 * Waits until the machine has been quiet (busy below `maxBusyPct` of one core) for `quietSeconds` seconds
 * in a row, or until `maxWaitMs` ran out. Returns what it saw.
 */
export async function waitForQuiet({maxBusyPct, quietSeconds = 3, maxWaitMs}) {
  const started = Date.now()
  const samples = []
  let quiet = 0
  if (machineCpu() === undefined) return {quiet: false, waitedMs: 0, samples, available: false}
  while (quiet < quietSeconds) {
    if (Date.now() - started >= maxWaitMs) return {quiet: false, waitedMs: Date.now() - started, samples, available: true}
    const before = machineCpu()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const after = machineCpu()
    const busyPct = Math.round((after.busy - before.busy) * 1000) / 10
    samples.push(busyPct)
    quiet = busyPct <= maxBusyPct ? quiet + 1 : 0
  }
  return {quiet: true, waitedMs: Date.now() - started, samples, available: true}
}
