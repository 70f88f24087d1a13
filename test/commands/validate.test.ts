// kne validate as a user and a CI job run it: real files, exit codes and the JSON report.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runKne} from '../helpers/command.js'

const kinds = join('test', 'fixtures', 'kinds')

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kne-validate-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const broken = {
  'broker.yaml': 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n',
  'trigger.yaml':
    'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: orphan\nspec:\n  broker: orders\n  subscriber:\n    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: handler}\n',
  'ping.yaml':
    'apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata:\n  name: beat\nspec:\n  schedule: "@every 1m"\n  sink:\n    ref: {apiVersion: messaging.knative.dev/v1, kind: Channel, name: missing}\n',
}

describe('kne validate', () => {
  it('passes a project with every kind, naming what kne dev does not run and the warnings', async () => {
    const result = await runKne(['validate', '-f', join(kinds, 'knative')])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe('16 resource(s) valid in test/fixtures/kinds/knative (1 not run by kne dev yet), 3 warning(s)')
    expect(result.stderr).toMatch(
      /warning: test\/fixtures\/kinds\/knative\/triggers\.yaml: Trigger shop\/order-created: spec\.delivery\.backoffDelay: the 2 retries fire back to back/,
    )
    expect(result.stderr).toContain(
      'warning: test/fixtures/kinds/knative/kafka-source.yaml: KafkaSource shop/orders-from-kafka: kne does not run KafkaSource yet',
    )
  })

  it('without -f reads the manifests folder kne.yaml names; --json reports every resource', async () => {
    const result = await runKne(['validate', '--config', join(kinds, 'kne.yaml'), '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({valid: true, errors: []})
    expect(report.resources).toHaveLength(16)
    expect(
      report.resources.filter((r: {emulated: boolean}) => r.emulated).map((r: {kind: string; name: string}) => `${r.kind}/${r.name}`),
    ).toEqual([
      'Broker/default',
      'Broker/orders',
      'EventType/order-created',
      'EventType/heartbeat',
      'Sequence/moderate',
      'Parallel/even-odd',
      'Channel/audit-log',
      'InMemoryChannel/dead-letters',
      'Subscription/audit',
      'PingSource/heartbeat',
      'ContainerSource/heartbeats',
      'SinkBinding/bind-orders',
      'ApiServerSource/k8s-events',
      'Trigger/order-created',
      'Trigger/to-sequence',
    ])
    expect(new Set(report.resources.map((r: {namespace: string}) => r.namespace))).toEqual(new Set(['shop']))
  })

  it("exits 3 with one line per problem: Knative's rules and references that do not resolve", async () => {
    const dir = folder(broken)
    const result = await runKne(['validate', '-f', dir])
    expect(result.code).toBe(3)
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('  '))
    expect(lines).toEqual([
      `  ${dir}/ping.yaml: PingSource default/beat: spec.schedule: invalid value: unsupported descriptor @every`,
      `  ${dir}/trigger.yaml: Trigger default/orphan: spec.broker: brokers.eventing.knative.dev "orders" not found in namespace "default": no manifest defines Broker default/orders`,
    ])
    expect(result.stderr).toContain('warning: ')
    expect(result.stderr).toMatch(
      /Trigger default\/orphan: spec\.subscriber: services\.serving\.knative\.dev "handler" in namespace "default" has no local URL/,
    )
    expect(result.stderr).toContain('2 problem(s) in')
  })

  it('--json keeps exit code 3 and gives CI the problems as data', async () => {
    const dir = folder({...broken, 'ping.yaml': broken['ping.yaml'].replace('"@every 1m"', '"*/5 * * * *"')})
    const result = await runKne(['validate', '-f', dir, '--json'])
    expect(result.code).toBe(3)
    const report = JSON.parse(result.stdout)
    expect(report.valid).toBe(false)
    expect(report.errors).toEqual([
      expect.objectContaining({
        file: join(dir, 'ping.yaml'),
        resource: 'PingSource default/beat',
        field: 'spec.sink',
        message: expect.stringMatching(/channels.messaging.knative.dev "missing" not found/),
      }),
      expect.objectContaining({file: join(dir, 'trigger.yaml'), resource: 'Trigger default/orphan', field: 'spec.broker'}),
    ])
    expect(report.warnings).toEqual([expect.objectContaining({field: 'spec.subscriber'})])
  })

  it('reports YAML syntax errors with their position, and exits 2 when there is nothing to read', async () => {
    const dir = folder({'bad.yaml': 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: [oops\n'})
    const bad = await runKne(['validate', '-f', dir])
    expect(bad.code).toBe(3)
    expect(bad.stderr).toMatch(/bad\.yaml: invalid YAML at line \d+, column \d+/)
    const nothing = await runKne(['validate'])
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain('no manifests to read')
  })
})
