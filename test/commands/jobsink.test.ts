// kne jobsink create, list and describe in process, in a project as a user runs them: the manifest written from
// templates/jobsink.yaml loads and plans the command given; --image is required; a JobSink without --cmd is
// written with a warning; describe and list show a running mesh's JobSink with its recent jobs and counts.
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import type {Mesh} from '../../src/index.js'
import {repoRoot} from '../helpers/cli.js'
import {freshDataDir, jsonOf, meshForProject, runKne} from '../helpers/command.js'

describe('kne jobsink', () => {
  let mesh: Mesh | undefined

  /** A project of its own (kne init), and a function that runs kne in it. */
  async function newProject() {
    const dir = mkdtempSync(join(tmpdir(), 'kne-jobsink-'))
    const env = {KNE_DATA_DIR: freshDataDir()}
    const run = (...args: string[]) => runKne(args, {cwd: dir, env})
    expect((await run('init', '--json')).code).toBe(0)
    return {dir, env, run}
  }

  let dir: string
  let run: Awaited<ReturnType<typeof newProject>>['run']
  beforeAll(async () => ({dir, run} = await newProject()))

  afterAll(() => mesh?.close())

  // `test -s FILE` prints nothing: it exits 0 when the event file is there and not empty
  it('create writes a JobSink from kn-style flags', async () => {
    const result = await run(
      'jobsink',
      'create',
      'event-check',
      '--image',
      'docker.io/library/bash:5',
      '--cmd',
      'test',
      '--arg=-s',
      '--arg',
      '/etc/jobsink-event/event',
      '-e',
      'MODE=batch',
      '--json',
    )
    expect(result.code, result.stderr).toBe(0)
    const written = parse(readFileSync(join(dir, 'knative', 'jobsink-event-check.yaml'), 'utf8')) as unknown
    expect(written).toEqual(jsonOf(result))
    expect(written).toEqual({
      apiVersion: 'sinks.knative.dev/v1alpha1',
      kind: 'JobSink',
      metadata: {name: 'event-check'},
      spec: {
        job: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'main',
                    image: 'docker.io/library/bash:5',
                    command: ['test'],
                    args: ['-s', '/etc/jobsink-event/event'],
                    env: [{name: 'MODE', value: 'batch'}],
                  },
                ],
              },
            },
          },
        },
      },
    })
  })

  it('a trigger names a JobSink as its subscriber with --sink jobsink:NAME', async () => {
    const result = await run('trigger', 'create', 'to-jobs', '--sink', 'jobsink:event-check', '--dry-run', '--json')
    expect(result.code, result.stderr).toBe(0)
    expect(jsonOf(result).spec.subscriber).toEqual({ref: {apiVersion: 'sinks.knative.dev/v1alpha1', kind: 'JobSink', name: 'event-check'}})
  })

  it('create refuses a JobSink without --image (exit 2), and warns that one without --cmd cannot run in kne', async () => {
    const noImage = await run('jobsink', 'create', 'x', '--cmd', 'cat', '--json')
    expect(noImage.code).toBe(2)
    // asked for in a terminal, as other create commands ask for what they need
    expect(jsonOf(noImage)).toMatchObject({error: {code: 'MISSING_FLAG', message: 'missing required flag --image'}})
    const noCommand = await run('jobsink', 'create', 'imaged', '--image', 'ghcr.io/acme/job:1')
    expect(noCommand.code).toBe(0)
    expect(noCommand.stderr).toContain('NoLocalCommand: container main has no command')
  })

  it("validate takes Knative's doc examples as JobSinks kne dev runs", async () => {
    for (const file of ['jobsink-L36.yaml', 'jobsink-custom-mount-path.yaml']) {
      const result = await run('validate', '-f', join(repoRoot, 'test', 'fixtures', 'knative-docs', file), '--json')
      expect(result.code, result.stdout).toBe(0)
      expect(jsonOf(result)).toMatchObject({valid: true, resources: [{kind: 'JobSink', emulated: true}], warnings: []})
    }
  })

  it("describe and list show the running mesh's JobSinks: Ready or why not, recent jobs and counts", async () => {
    // a project of its own, so that it does not depend on the tests before it
    const {dir, env, run} = await newProject()
    const eventCheck = ['--image', 'docker.io/library/bash:5', '--cmd', 'test', '--arg=-s', '--arg', '/etc/jobsink-event/event']
    expect((await run('jobsink', 'create', 'event-check', ...eventCheck)).code).toBe(0)
    expect((await run('jobsink', 'create', 'imaged', '--image', 'ghcr.io/acme/job:1')).code).toBe(0)
    mesh = await meshForProject(dir, env.KNE_DATA_DIR)
    // kn's sink grammar names it: jobsink:NAME
    const sent = await run('send', '--to', 'jobsink:event-check', '--type', 't', '--id', 'e1', '--source', '/test', '--json')
    expect(sent.code, sent.stderr).toBe(0)
    expect(jsonOf(sent)).toMatchObject({response: {status: 202, url: `${mesh.url}/jobsinks/default/event-check`}})
    await new Promise<void>((resolve) => {
      const done = () => mesh!.journal.since().some((r) => r.kind === 'handled' && r.summary.includes(' succeeded: '))
      if (done()) return resolve()
      const stop = mesh!.journal.subscribe(() => done() && (stop(), resolve()))
    })
    const described = await run('jobsink', 'describe', 'event-check')
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toMatch(/Recent jobs:\n {2}event-check-1 {2}succeeded {2}exit 0 after \d+ ms {2}id=e1 source=\/test/)
    expect(described.stdout).toContain('queued 0, running 0, succeeded 1, failed 0, cancelled 0')
    expect(described.stdout).toContain(
      'Image:        docker.io/library/bash:5\nCommand:      ["test"]\nArgs:         ["-s","/etc/jobsink-event/event"]\n',
    )
    expect((await run('jobsink', 'describe', 'event-check', '-o', 'url')).stdout.trim()).toBe(`${mesh.url}/jobsinks/default/event-check`)
    const listed = jsonOf(await run('jobsink', 'list', '--json')) as {items: {name: string; live: {ready: string; reason?: string}}[]}
    expect(listed.items.map((i) => [i.name, i.live.ready, i.live.reason])).toEqual([
      ['event-check', 'True', undefined],
      ['imaged', 'False', 'NoLocalCommand'],
    ])
  })
})
