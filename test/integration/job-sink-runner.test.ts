// JobSink's job runner with real processes: Knative's example job reads the event file it is given, a
// `node -e` job finds it through the environment, duplicates start nothing, concurrency and the queue stay
// within their bounds, failures and exits are recorded, and close() leaves no job running.
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {
  JOB_EVENT_FILE_ENV,
  JobRunner,
  replaceMountPath,
  type JobActivity,
  type JobRecord,
  type JobRunnerOptions,
} from '../../src/kinds/job-sink/jobs.js'
import {planJob, readJobSink, JOB_SINK_SPEC_FIELDS, type JobPlan} from '../../src/kinds/job-sink/read.js'
import {MAX_OUTPUT_LINE_CHARS} from '../../src/mesh/output-lines.js'
import {repoRoot} from '../helpers/cli.js'
import {readWith} from '../helpers/kind-reader.js'

const node = process.execPath
const event = (id: string, data = '{"details":"JobSinkDemo"}'): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'my/curl/command',
  type: 'my.demo.event',
  datacontenttype: 'application/json',
  extensions: {},
  data: new TextEncoder().encode(data),
})
const plan = (command: string[], extra: Partial<JobPlan> = {}): JobPlan => ({
  sink: 'default/jobs',
  command,
  env: {},
  eventMountPath: '/etc/jobsink-event',
  notes: [],
  ...extra,
})

const runners: JobRunner[] = []
const cleanup: string[] = []
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()))
  for (const dir of cleanup.splice(0)) rmSync(dir, {recursive: true, force: true})
})

function runner(options: JobRunnerOptions = {}): {
  runner: JobRunner
  activity: JobActivity[]
  finished: (n: number) => Promise<JobRecord[]>
} {
  const activity: JobActivity[] = []
  const waiters: {n: number; resolve: () => void}[] = []
  const jobs = new JobRunner({
    ...options,
    onActivity: (a) => {
      activity.push(a)
      options.onActivity?.(a)
      const done = activity.filter((x) => x.type === 'finished').length
      for (const w of waiters.filter((w) => done >= w.n)) w.resolve()
    },
  })
  runners.push(jobs)
  const finished = async (n: number): Promise<JobRecord[]> => {
    if (activity.filter((x) => x.type === 'finished').length < n) await new Promise<void>((resolve) => waiters.push({n, resolve}))
    return activity.filter((x) => x.type === 'finished').map((x) => x.job)
  }
  return {runner: jobs, activity, finished}
}

describe('JobSink jobs', () => {
  it("runs Knative's example job: `cat /etc/jobsink-event/event` prints the event as structured JSON", async () => {
    const {spec} = readWith(
      readJobSink,
      JOB_SINK_SPEC_FIELDS,
      readFileSync(join(repoRoot, 'test', 'fixtures', 'knative-docs', 'jobsink-L36.yaml'), 'utf8'),
    )
    const planned = planJob('default', 'job-sink-logger', spec)
    if (!planned.ok) throw new Error(planned.message)
    const {runner: jobs, activity, finished} = runner()
    const submitted = jobs.submit(planned.plan, event('123'))
    expect(submitted).toMatchObject({
      ok: true,
      duplicate: false,
      job: {name: 'job-sink-logger-1', state: 'running', sink: 'default/job-sink-logger', eventId: '123'},
    })
    const [job] = await finished(1)
    // the output the Knative docs show for this example
    expect(job!.stdout).toBe(
      '{"specversion":"1.0","id":"123","source":"my/curl/command","type":"my.demo.event","datacontenttype":"application/json","data":{"details":"JobSinkDemo"}}',
    )
    expect(job).toMatchObject({state: 'succeeded', exitCode: 0, stderr: ''})
    expect(job!.durationMs).toBeGreaterThanOrEqual(0)
    expect(activity.map((a) => a.type)).toEqual(['started', 'finished'])
    expect(jobs.find('default/job-sink-logger', 'my/curl/command', '123')?.state).toBe('succeeded')
  })

  it('tells a job where the event is through KNE_JOBSINK_EVENT_FILE and env values naming the mount, and removes the file after', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kne-job-test-'))
    cleanup.push(out)
    const script = `const fs = require('node:fs'); const file = process.env.${JOB_EVENT_FILE_ENV};
      fs.writeFileSync(process.argv[1], JSON.stringify({file, same: process.env.FROM_FILES === file, mode: process.env.KNATIVE_EXECUTION_MODE, event: JSON.parse(fs.readFileSync(file, 'utf8'))}))`
    const {runner: jobs, finished} = runner()
    jobs.submit(
      plan([node, '-e', script, join(out, 'result.json')], {
        env: {FROM_FILES: '/etc/jobsink-event/event', KNATIVE_EXECUTION_MODE: 'batch'},
      }),
      event('e-2', '{"n":2}'),
    )
    const [job] = await finished(1)
    expect(job).toMatchObject({state: 'succeeded', exitCode: 0})
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
      file: string
      same: boolean
      mode: string
      event: {id: string; data: unknown}
    }
    expect(result).toMatchObject({same: true, mode: 'batch', event: {id: 'e-2', data: {n: 2}}})
    expect(result.file).toMatch(/jobs-1[/\\]event$/)
    expect(existsSync(result.file)).toBe(false)
  })

  it("passes a job's output on line by line, a line without end cut at MAX_OUTPUT_LINE_CHARS", async () => {
    const lines: string[] = []
    const {runner: jobs, finished} = runner({onOutput: (record) => lines.push(record.line)})
    const script = `process.stdout.write('a'.repeat(${MAX_OUTPUT_LINE_CHARS * 3 + 10}) + '\\r\\nlast')`
    jobs.submit(plan([node, '-e', script]), event('long'))
    await finished(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(lines.map((l) => l.length)).toEqual([MAX_OUTPUT_LINE_CHARS, MAX_OUTPUT_LINE_CHARS, MAX_OUTPUT_LINE_CHARS, 10, 4])
    expect(lines.at(-1)).toBe('last')
  })

  it('starts no second job for an event with the same source and id, as Knative does', async () => {
    const {runner: jobs, finished} = runner()
    const first = jobs.submit(plan([node, '-e', '']), event('same'))
    const again = jobs.submit(plan([node, '-e', '']), event('same'))
    expect(again).toMatchObject({ok: true, duplicate: true, job: {name: first.ok ? first.job.name : ''}})
    await finished(1)
    expect(jobs.list()).toHaveLength(1)
  })

  it('runs at most maxRunning jobs at once and starts the waiting ones as slots free', async () => {
    let running = 0
    let most = 0
    const {runner: jobs, finished} = runner({
      limits: {maxRunning: 2},
      onActivity: (a) => {
        if (a.type === 'started') most = Math.max(most, ++running)
        if (a.type === 'finished') running--
      },
    })
    const results = [1, 2, 3, 4, 5].map((i) => jobs.submit(plan([node, '-e', 'setTimeout(() => {}, 50)']), event(`c-${i}`)))
    expect(results.map((r) => r.ok && r.job.state)).toEqual(['running', 'running', 'queued', 'queued', 'queued'])
    expect(jobs.counts()).toMatchObject({running: 2, queued: 3})
    const done = await finished(5)
    expect(done.map((j) => j.state)).toEqual(Array(5).fill('succeeded'))
    expect(most).toBe(2)
  })

  it('refuses an event when the queue is full, by count and by bytes', () => {
    const {runner: jobs} = runner({limits: {maxRunning: 1, maxQueued: 1, maxQueuedBytes: 1000}})
    const long = plan([node, '-e', 'setInterval(() => {}, 1000)'])
    expect(jobs.submit(long, event('q-1')).ok).toBe(true)
    expect(jobs.submit(long, event('q-2')).ok).toBe(true)
    expect(jobs.submit(long, event('q-3'))).toEqual({
      ok: false,
      reason: 'QueueFull',
      message: expect.stringMatching(
        /^1 jobs are running and 1 \(\d+ bytes of events\) are waiting, the most kne queues \(1 jobs, 1000 bytes\)$/,
      ),
    })
    const {runner: small} = runner({limits: {maxRunning: 1, maxQueued: 10, maxQueuedBytes: 100}})
    expect(small.submit(long, event('b-1')).ok).toBe(true)
    expect(small.submit(long, event('b-2', JSON.stringify({pad: 'x'.repeat(200)})))).toMatchObject({ok: false, reason: 'QueueFull'})
  })

  it('records a failing exit code, and a command that cannot start (missing, in a missing folder, empty)', async () => {
    const {runner: jobs, finished} = runner()
    jobs.submit(plan([node, '-e', 'console.error("Hello world!"); process.exit(42)']), event('f-1'))
    jobs.submit(plan(['kne-no-such-command-for-jobs']), event('f-2'))
    jobs.submit(plan([node, '-e', ''], {cwd: '/kne-no-such-folder'}), event('f-3'))
    jobs.submit(plan(['']), event('f-4'))
    const done = await finished(4)
    expect(done.find((j) => j.eventId === 'f-3')).toMatchObject({
      state: 'failed',
      error: 'could not start: no such folder /kne-no-such-folder',
    })
    expect(done.find((j) => j.eventId === 'f-4')).toMatchObject({state: 'failed', error: expect.stringMatching(/^could not start: /)})
    expect(done.find((j) => j.eventId === 'f-1')).toMatchObject({state: 'failed', exitCode: 42, stderr: 'Hello world!\n'})
    expect(done.find((j) => j.eventId === 'f-2')).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/^could not start: spawn kne-no-such-command-for-jobs ENOENT/),
    })
  })

  it("keeps only the end of a job's output", async () => {
    const {runner: jobs, finished} = runner({limits: {outputTailBytes: 10}})
    jobs.submit(plan([node, '-e', 'process.stdout.write("a".repeat(5000) + "0123456789")']), event('t-1'))
    const [job] = await finished(1)
    expect(job!.stdout).toBe('0123456789')
  })

  it('close() stops running jobs and cancels waiting ones; no new job is accepted', async () => {
    const {runner: jobs, finished} = runner({limits: {maxRunning: 1, stopGraceMs: 5000}})
    const long = plan([node, '-e', 'setInterval(() => {}, 1000)'])
    const running = jobs.submit(long, event('s-1'))
    jobs.submit(long, event('s-2'))
    await jobs.close()
    const done = await finished(2)
    expect(done.find((j) => j.eventId === 's-2')).toMatchObject({
      state: 'cancelled',
      error: 'cancelled: the mesh stopped before the job started',
    })
    expect(done.find((j) => j.eventId === 's-1')).toMatchObject({state: 'failed', signal: 'SIGTERM', error: 'stopped: the mesh stopped'})
    const pid = running.ok ? running.job.pid! : 0
    expect(() => process.kill(pid, 0)).toThrow()
    expect(jobs.submit(long, event('s-3'))).toMatchObject({ok: false, reason: 'Closed'})
  })

  it('stops a job that outlives activeDeadlineSeconds and records why', async () => {
    const {runner: jobs, finished} = runner()
    jobs.submit(plan([node, '-e', 'setInterval(() => {}, 1000)'], {deadlineMs: 50}), event('d-1'))
    const [job] = await finished(1)
    expect(job).toMatchObject({state: 'failed', signal: 'SIGTERM', error: 'deadline exceeded: activeDeadlineSeconds 0.05'})
  })

  it('replaces the mount path only as a whole path', () => {
    expect(replaceMountPath('/etc/jobsink-event/event', '/etc/jobsink-event', '/tmp/j')).toBe('/tmp/j/event')
    expect(replaceMountPath('cat /etc/jobsink-event/event; ls /etc/jobsink-event', '/etc/jobsink-event', '/tmp/j')).toBe(
      'cat /tmp/j/event; ls /tmp/j',
    )
    expect(replaceMountPath('/etc/jobsink-events/x', '/etc/jobsink-event', '/tmp/j')).toBe('/etc/jobsink-events/x')
  })
})
