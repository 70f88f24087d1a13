// JobSink on the mesh, over real HTTP with real processes: a Trigger's events start jobs that read the event
// file, Knative's doc example runs unmodified (its `cat` prints the event under [namespace/name/job]), the
// Location answers how the job went, each job's start and end are in the activity and status, a full queue
// answers 503, a JobSink without a command is not Ready, and hot reload of its file changes the next job's
// command or, removing it, stops its jobs.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ActivityPrinter} from '../../src/client/activity-printer.js'
import {colors} from '../../src/client/render.js'
import {renderTopology} from '../../src/client/render-status.js'
import type {Activity} from '../../src/core/activity.js'
import type {ResourceStatus} from '../../src/core/api.js'
import {parseManifests, type Mesh} from '../../src/index.js'
import type {ProcessOutput} from '../../src/mesh/processes.js'
import {repoRoot} from '../helpers/cli.js'
import {useMesh} from '../helpers/mesh.js'
import {watchedProject} from '../helpers/project.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

const kit = useMesh()

const node = JSON.stringify(process.execPath)
const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n'
const jobSinkRef = (name: string) => `    ref:\n      apiVersion: sinks.knative.dev/v1alpha1\n      kind: JobSink\n      name: ${name}\n`

/** A JobSink whose job is `node -e SCRIPT` (args after it), image and all as a cluster would want it. */
function jobSink(name: string, script: string | undefined, args: string[] = []): string {
  const command = script === undefined ? '' : `              command: [${node}, "-e", ${JSON.stringify(script)}]\n`
  const argList = args.length > 0 ? `              args: ${JSON.stringify(args)}\n` : ''
  return `apiVersion: sinks.knative.dev/v1alpha1\nkind: JobSink\nmetadata:\n  name: ${name}\nspec:\n  job:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: main\n              image: ghcr.io/acme/job:1\n${command}${argList}---\n`
}

function load(yaml: string) {
  const parsed = parseManifests(yaml, 'test.yaml')
  expect(parsed.errors).toEqual([])
  return parsed.resources
}

/** The mesh's records about its JobSinks' work, so far. */
type Handled = Extract<Activity, {kind: 'handled'}>

/** What the mesh's JobSinks did with the events they were sent, so far. */
const jobRecords = (mesh: Mesh): Handled[] => mesh.journal.since().filter((r): r is Handled => r.kind === 'handled')

/** Resolves with the first record (kept or to come) that `pick` accepts. */
function recordWhere(mesh: Mesh, pick: (r: Activity) => boolean): Promise<Activity> {
  const kept = mesh.journal.since().find(pick)
  if (kept) return Promise.resolve(kept)
  return new Promise((resolve) => {
    const stop = mesh.journal.subscribe((r) => {
      if (pick(r)) {
        stop()
        resolve(r)
      }
    })
  })
}

const finished = (mesh: Mesh, id: string) =>
  recordWhere(
    mesh,
    (r) => r.kind === 'handled' && r.id === id && /^job \S+ (succeeded|failed|cancelled):/.test(r.summary),
  ) as Promise<Handled>

const started = (mesh: Mesh, id: string) =>
  recordWhere(mesh, (r) => r.kind === 'handled' && r.id === id && /^job \S+ started/.test(r.summary))

const statusOf = (mesh: Mesh, name: string): ResourceStatus | undefined =>
  mesh.status().resources.find((r) => r.kind === 'JobSink' && r.name === name)

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-jobsink-'))
  kit.defer(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

describe('JobSink on the mesh', () => {
  it("a Trigger's events start jobs that find the event through KNE_JOBSINK_EVENT_FILE; activity and status say how they went", async () => {
    const out = tempDir()
    const script =
      'const fs = require("fs"); const e = JSON.parse(fs.readFileSync(process.env.KNE_JOBSINK_EVENT_FILE, "utf8")); fs.writeFileSync(require("path").join(process.argv[1], e.id), e.type + " " + JSON.stringify(e.data))'
    const mesh = await kit.start({
      resources: load(
        `${BROKER}${jobSink('writer', script, [out])}apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: to-jobs\nspec:\n  broker: default\n  subscriber:\n${jobSinkRef('writer')}`,
      ),
    })
    expect(mesh.status().triggers[0]).toMatchObject({ready: true, subscriberUri: `${mesh.url}/jobsinks/default/writer`})
    const sent = await post(
      `${mesh.url}/default/default`,
      binaryHeaders('order.created', {'ce-id': 'order-1', 'content-type': 'application/json'}),
      '{"total": 42}',
    )
    expect(sent.status).toBe(202)
    const end = await finished(mesh, 'order-1')
    expect(end).toMatchObject({
      resource: 'JobSink default/writer',
      status: 200,
      outcome: 'delivered',
      type: 'order.created',
      summary: expect.stringMatching(/^job writer-1 succeeded: exit 0 after \d+ ms$/),
    })
    expect(readFileSync(join(out, 'order-1'), 'utf8')).toBe('order.created {"total":42}')
    // the trigger's delivery ended when the job started: 202
    expect(mesh.journal.since().find((r) => r.kind === 'outcome' && r.id === 'order-1')).toMatchObject({outcome: 'delivered', status: 202})
    expect(jobRecords(mesh).map((r) => [r.status, r.summary.replace(/ \(pid \d+\)| after \d+ ms/g, '')])).toEqual([
      [202, 'job writer-1 started'],
      [200, 'job writer-1 succeeded: exit 0'],
    ])
    expect(statusOf(mesh, 'writer')).toMatchObject({
      ready: true,
      url: `${mesh.url}/jobsinks/default/writer`,
      counters: {succeeded: 1, failed: 0, running: 0, queued: 0},
      sections: [{title: 'Recent jobs', lines: [expect.stringMatching(/^writer-1 {2}succeeded {2}exit 0 after \d+ ms {2}id=order-1/)]}],
    })
  })

  it("is in kne dev's start-up lines, and kne dev prints each job's start and end beside the trigger's delivery", async () => {
    const mesh = await kit.start({
      resources: load(
        `${BROKER}${jobSink('quiet', 'null')}${jobSink('imaged', undefined)}apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: to-jobs\nspec:\n  broker: default\n  subscriber:\n${jobSinkRef('quiet')}`,
      ),
    })
    const c = colors({isTTY: false} as NodeJS.WriteStream)
    expect(renderTopology(mesh.status(), ['knative/'], c)).toEqual([
      'kne dev: 1 broker(s), 1 trigger(s), 2 JobSink(s) from knative/',
      `  Broker  default/default  ${mesh.url}/default/default`,
      `  Trigger default/to-jobs  → ${mesh.url}/jobsinks/default/quiet  Ready`,
      `  JobSink default/quiet  ${mesh.url}/jobsinks/default/quiet  Ready`,
      `  JobSink default/imaged  ${mesh.url}/jobsinks/default/imaged  not Ready: NoLocalCommand: ${statusOf(mesh, 'imaged')!.message}`,
    ])
    const writes: string[] = []
    const printer = new ActivityPrinter({write: (t) => writes.push(t), writeError: (t) => writes.push(t), colors: c})
    mesh.journal.subscribe((record) => printer.activity(record))
    expect((await post(`${mesh.url}/default/default`, binaryHeaders('t', {'ce-id': 'p1'}), '')).status).toBe(202)
    await finished(mesh, 'p1')
    printer.flush()
    const lines = writes
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.slice(13))
    expect(lines).toContain('  delivered default/to-jobs id=p1')
    expect(lines.filter((l) => l.startsWith('JobSink'))).toEqual(Array(2).fill('JobSink default/quiet ← t id=p1 source=/test'))
    expect(lines.filter((l) => l.includes('job quiet-1'))).toEqual([
      expect.stringMatching(/^ {2}delivered job quiet-1 started \(pid \d+\)$/),
      expect.stringMatching(/^ {2}delivered job quiet-1 succeeded: exit 0 after \d+ ms$/),
    ])
  })

  it("runs Knative's doc example unmodified: `cat /etc/jobsink-event/event` prints the event, and its Location answers Complete", async () => {
    const output: ProcessOutput[] = []
    const mesh = await kit.start({
      resources: load(readFileSync(join(repoRoot, 'test', 'fixtures', 'knative-docs', 'jobsink-L36.yaml'), 'utf8')),
      sources: {output: (record) => output.push(record)},
    })
    // the docs' curl, to the JobSink's own address
    const sent = await post(
      `${mesh.url}/jobsinks/default/job-sink-logger`,
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-source': 'my/curl/command',
        'ce-type': 'my.demo.event',
        'ce-id': '123',
      },
      '{"details":"JobSinkDemo"}',
    )
    expect(sent.status).toBe(202)
    const location = sent.headers.get('location')!
    expect(location).toBe('/jobsinks/namespaces/default/name/job-sink-logger/sources/my%2Fcurl%2Fcommand/ids/123')
    const end = await finished(mesh, '123')
    expect(end).toMatchObject({status: 200, summary: expect.stringContaining('succeeded: exit 0')})
    const printed =
      '{"specversion":"1.0","id":"123","source":"my/curl/command","type":"my.demo.event","datacontenttype":"application/json","data":{"details":"JobSinkDemo"}}'
    expect(output).toContainEqual({process: 'default/job-sink-logger/job-sink-logger-1', stream: 'stdout', line: expect.any(String)})
    expect(JSON.parse(output.find((o) => o.stream === 'stdout')!.line)).toEqual(JSON.parse(printed))
    const asked = await post(`${mesh.url}${location}`, {}, undefined, 'GET')
    expect({status: asked.status, reason: asked.headers.get('reason')}).toEqual({status: 200, reason: 'Complete'})
    // the same event again starts nothing and gets the same Location
    const again = await post(
      `${mesh.url}/jobsinks/default/job-sink-logger`,
      {'ce-specversion': '1.0', 'ce-source': 'my/curl/command', 'ce-type': 'my.demo.event', 'ce-id': '123'},
      '',
    )
    expect({status: again.status, location: again.headers.get('location')}).toEqual({status: 202, location})
    expect(statusOf(mesh, 'job-sink-logger')?.counters).toMatchObject({succeeded: 1})
    const unknown = await post(`${mesh.url}/jobsinks/namespaces/default/name/job-sink-logger/sources/x/ids/nope`, {}, undefined, 'GET')
    expect(unknown.status).toBe(404)
  })

  it("a Subscription's and a PingSource's events start jobs: a JobSink ref resolves to its address", async () => {
    const mesh = await kit.start({
      resources: load(
        `${jobSink('jobs', 'null')}apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\nmetadata:\n  name: ch\n---\napiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: sub\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: InMemoryChannel\n    name: ch\n  subscriber:\n${jobSinkRef('jobs')}---\napiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata:\n  name: beat\nspec:\n  schedule: "0 0 30 2 *"\n  sink:\n${jobSinkRef('jobs')}`,
      ),
    })
    const address = `${mesh.url}/jobsinks/default/jobs`
    expect(mesh.status().subscriptions[0]).toMatchObject({ready: true, subscriberUri: address})
    expect(mesh.status().sources[0]).toMatchObject({ready: true, sinkUri: address})
    expect((await post(`${mesh.url}/channels/default/ch`, binaryHeaders('t', {'ce-id': 'via-channel'}), '')).status).toBe(202)
    expect(await finished(mesh, 'via-channel')).toMatchObject({status: 200, outcome: 'delivered'})
    const fired = await post(`${mesh.url}/_kne/v1/sources/pingsources/default/beat/fire`, {'content-type': 'application/json'}, '{}')
    expect(JSON.parse(fired.text)).toMatchObject({delivered: true, status: 202, sinkUri: address})
    expect(await finished(mesh, (JSON.parse(fired.text) as {id: string}).id)).toMatchObject({
      status: 200,
      type: 'dev.knative.sources.ping',
    })
  })

  it('answers 503 once 4 jobs run and 100 wait, and stopping the mesh stops them all', async () => {
    const mesh = await kit.start({resources: load(jobSink('slow', 'setTimeout(() => {}, 600000)'))})
    const url = `${mesh.url}/jobsinks/default/slow`
    const answers: number[] = []
    for (let i = 0; i < 105; i++) answers.push((await post(url, binaryHeaders('t', {'ce-id': `e${i}`}), '')).status)
    expect(answers.slice(0, 104).every((s) => s === 202)).toBe(true)
    expect(answers[104]).toBe(503)
    expect(jobRecords(mesh).at(-1)).toMatchObject({
      status: 503,
      outcome: 'failed',
      summary: 'refused',
      id: 'e104',
      error: expect.stringContaining('4 jobs are running'),
    })
    expect(statusOf(mesh, 'slow')?.counters).toMatchObject({running: 4, queued: 100})
    await mesh.close()
    const ends = jobRecords(mesh).filter((r) => r.status === 400)
    expect(ends.filter((r) => / cancelled: /.test(r.summary))).toHaveLength(100)
    expect(ends.filter((r) => / failed: /.test(r.summary)).map((r) => r.error)).toEqual(Array(4).fill('stopped: the mesh stopped'))
  })

  it('a JobSink without a command is not Ready (NoLocalCommand) and refuses events with 503', async () => {
    const mesh = await kit.start({resources: load(jobSink('imaged', undefined))})
    expect(statusOf(mesh, 'imaged')).toMatchObject({
      ready: false,
      reason: 'NoLocalCommand',
      message: expect.stringContaining('ghcr.io/acme/job:1'),
    })
    const sent = await post(`${mesh.url}/jobsinks/default/imaged`, binaryHeaders('t'), '')
    expect(sent.status).toBe(503)
    expect(sent.text).toContain('NoLocalCommand')
  })

  it('hot reload: an edited JobSink runs its new command for the next event; a removed one stops its jobs and is no longer served', async () => {
    const p = await watchedProject(kit, {'jobs.yaml': jobSink('jobs', 'process.exit(3)')})
    const url = `${p.mesh.url}/jobsinks/default/jobs`
    expect((await post(url, binaryHeaders('t', {'ce-id': 'first'}), '')).status).toBe(202)
    expect(await finished(p.mesh, 'first')).toMatchObject({outcome: 'failed', summary: expect.stringContaining('exit 3')})

    const edited = await p.change(() => p.write('jobs.yaml', jobSink('jobs', 'setTimeout(() => {}, 600000)')))
    expect(edited.changed).toEqual(['JobSink default/jobs'])
    expect((await post(url, binaryHeaders('t', {'ce-id': 'long'}), '')).status).toBe(202)
    await started(p.mesh, 'long')

    const removed = await p.change(() => p.remove('jobs.yaml'))
    expect(removed.removed).toEqual(['JobSink default/jobs'])
    expect(await finished(p.mesh, 'long')).toMatchObject({outcome: 'failed', error: 'stopped: the JobSink was removed'})
    expect(p.mesh.status().resources).toEqual([])
    expect((await post(url, binaryHeaders('t'), '')).status).toBe(404)
  })

  it("runs Knative's custom event folder example unmodified: its bash job starts, prints, and stops with the mesh", async () => {
    const output: ProcessOutput[] = []
    let printed!: () => void
    const hello = new Promise<void>((resolve) => (printed = resolve))
    const mesh = await kit.start({
      resources: load(readFileSync(join(repoRoot, 'test', 'fixtures', 'knative-docs', 'jobsink-custom-mount-path.yaml'), 'utf8')),
      sources: {
        output: (record) => {
          output.push(record)
          if (record.line === 'Hello world!') printed()
        },
      },
    })
    expect((await post(`${mesh.url}/jobsinks/default/job-sink-custom-mount-path`, binaryHeaders('t', {'ce-id': 'c1'}), '')).status).toBe(
      202,
    )
    // its `sleep 5` is cut short by the mesh stopping
    await hello
    await mesh.close()
    expect(output).toEqual([
      {process: 'default/job-sink-custom-mount-path/job-sink-custom-mount-path-1', stream: 'stdout', line: 'Hello world!'},
    ])
    expect(await finished(mesh, 'c1')).toMatchObject({outcome: 'failed', error: 'stopped: the mesh stopped'})
  })
})
