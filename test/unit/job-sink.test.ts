// JobSink's reader and job plan: Knative's doc examples load, what Knative or Kubernetes would refuse is an
// error naming the field, and the plan is the first container's command with Knative's defaults.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {JOB_SINK_SPEC_FIELDS, planJob, readJobSink} from '../../src/kinds/job-sink/read.js'
import {jobLocation, jobStatusAnswer, parseJobLocation, submitAnswer} from '../../src/kinds/job-sink/ingress.js'
import type {JobRecord} from '../../src/kinds/job-sink/jobs.js'
import {repoRoot} from '../helpers/cli.js'
import {readWith} from '../helpers/kind-reader.js'

const fixture = (file: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'knative-docs', file), 'utf8')
const read = (text: string) => readWith(readJobSink, JOB_SINK_SPEC_FIELDS, text)
const head = 'apiVersion: sinks.knative.dev/v1alpha1\nkind: JobSink\nmetadata: {name: j}\n'
const withContainer = (container: string) =>
  `${head}spec:\n  job:\n    spec:\n      template:\n        spec:\n          containers: [${container}]\n`

describe('JobSink reader', () => {
  it("loads Knative's example unmodified and plans `cat <event file>` with Knative's execution-mode variable", () => {
    const {spec, errors} = read(fixture('jobsink-L36.yaml'))
    expect(errors).toEqual([])
    expect(planJob('default', 'job-sink-logger', spec)).toEqual({
      ok: true,
      plan: {
        sink: 'default/job-sink-logger',
        command: ['cat', '/etc/jobsink-event/event'],
        env: {KNATIVE_EXECUTION_MODE: 'batch'},
        eventMountPath: '/etc/jobsink-event',
        notes: [],
      },
    })
  })

  it("follows a jobsink-event volumeMount to its mountPath (the docs' custom directory)", () => {
    const {spec, errors} = read(fixture('jobsink-custom-mount-path.yaml'))
    expect(errors).toEqual([])
    const planned = planJob('default', 'job-sink-custom-mount-path', spec)
    expect(planned.ok && planned.plan.eventMountPath).toBe('/etc/custom-path')
    expect(planned.ok && planned.plan.command).toEqual(['bash', '-c', 'echo "Hello world!" && sleep 5'])
  })

  it('keeps env, expands $(VAR), keeps a set execution mode, and says what it does not apply', () => {
    const {spec, errors} = read(
      `${head}spec:\n  job:\n    spec:\n      completions: 12\n      activeDeadlineSeconds: 30\n      template:\n        spec:\n          containers:\n            - name: main\n              image: x\n              command: [sh, -c]\n              args: ["echo $(GREETING)"]\n              workingDir: work\n              env: [{name: GREETING, value: hi}, {name: KNATIVE_EXECUTION_MODE, value: custom}]\n            - {name: side, image: y}\n`,
    )
    expect(errors).toEqual([])
    expect(planJob('ns', 'j', spec)).toEqual({
      ok: true,
      plan: {
        sink: 'ns/j',
        command: ['sh', '-c', 'echo hi'],
        env: {GREETING: 'hi', KNATIVE_EXECUTION_MODE: 'custom'},
        cwd: 'work',
        eventMountPath: '/etc/jobsink-event',
        deadlineMs: 30_000,
        notes: ['ns/j: kne runs the first of 2 containers', 'ns/j: completions 12 is not applied: kne runs each job once'],
      },
    })
  })

  it('cannot plan a container without a command, and says why (kne runs no images)', () => {
    const {spec, errors} = read(withContainer('{name: main, image: ghcr.io/acme/job:1}'))
    expect(errors).toEqual([])
    expect(planJob('default', 'j', spec)).toEqual({
      ok: false,
      reason: 'NoLocalCommand',
      message: expect.stringMatching(/^container main has no command, and kne cannot run ghcr.io\/acme\/job:1/),
    })
  })

  it.each([
    ['no job', 'spec: {}', 'spec.job', 'expected exactly one, got neither: spec.job'],
    ['a job that is not a mapping', 'spec: {job: [1]}', 'spec.job', 'must be a mapping, got a list'],
    [
      'no containers',
      'spec: {job: {spec: {template: {spec: {}}}}}',
      'spec.job.spec.template.spec.containers',
      expect.stringMatching(/^missing field\(s\): the Job runs at least one container/),
    ],
    [
      'a container without an image',
      'spec: {job: {spec: {template: {spec: {containers: [{name: main, command: [cat]}]}}}}}',
      'spec.job.spec.template.spec.containers[0].image',
      'missing field(s)',
    ],
    [
      'a number in args',
      'spec: {job: {spec: {template: {spec: {containers: [{name: m, image: i, command: [sleep], args: [5]}]}}}}}',
      'spec.job.spec.template.spec.containers[0].args[0]',
      'must be a string, got 5: quote it in YAML',
    ],
    [
      'an unknown spec field',
      'spec: {job: {spec: {template: {spec: {containers: [{name: m, image: i}]}}}}, image: x}',
      'spec.image',
      expect.stringMatching(/^unknown field/),
    ],
  ])('refuses %s, naming the field', (_, spec, field, message) => {
    expect(read(`${head}${spec}\n`).errors).toEqual([{field, message}])
  })
})

describe('JobSink ingress answers', () => {
  const job = (state: JobRecord['state']): JobRecord => ({
    name: 'j-1',
    sink: 'default/j',
    eventId: '1',
    eventSource: 's',
    eventType: 't',
    state,
    queuedAt: 0,
    stdout: '',
    stderr: '',
  })

  it('writes a Location its GET can read back, also for a source with slashes', () => {
    const location = jobLocation('/jobsinks', 'default', 'j', 'my/curl/command', 'id 1')
    expect(location).toBe('/jobsinks/namespaces/default/name/j/sources/my%2Fcurl%2Fcommand/ids/id%201')
    expect(parseJobLocation(location.slice('/jobsinks'.length))).toEqual({
      namespace: 'default',
      name: 'j',
      source: 'my/curl/command',
      id: 'id 1',
    })
    expect(parseJobLocation('/default/j')).toBeUndefined()
  })

  it('answers a POST with 202 and the Location, or 503 when the queue is full', () => {
    expect(submitAnswer({ok: true, duplicate: true, job: job('running')}, '/l')).toEqual({status: 202, headers: {location: '/l'}})
    expect(submitAnswer({ok: false, reason: 'QueueFull', message: 'full'}, '/l')).toEqual({
      status: 503,
      headers: {'retry-after': '1'},
      error: 'full',
    })
  })

  it('answers a GET as Knative does: 404, 202 with Location, 200 Complete, 400 Failed', () => {
    expect(jobStatusAnswer(undefined, '/x')).toEqual({status: 404, headers: {}})
    expect(jobStatusAnswer(job('running'), '/x')).toEqual({status: 202, headers: {location: '/x'}})
    expect(jobStatusAnswer(job('queued'), '/x')).toEqual({status: 202, headers: {location: '/x'}})
    expect(jobStatusAnswer(job('succeeded'), '/x')).toEqual({status: 200, headers: {reason: 'Complete'}})
    expect(jobStatusAnswer(job('failed'), '/x')).toEqual({status: 400, headers: {reason: 'Failed'}})
  })
})
