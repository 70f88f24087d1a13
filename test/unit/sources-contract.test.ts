// The SinkBinding contract and ContainerSource commands: K_CE_OVERRIDES byte for byte as Knative's
// webhook writes it (Go's json.Marshal), which workloads a subject names, and the local command line and
// environment that stand in for a container.
import {describe, expect, it} from 'vitest'
import {parseManifests} from '../../src/core/resources/parse.js'
import type {ContainerSource, SinkBindingSubject} from '../../src/core/resources/types.js'
import {bindingEnvironment, formatCeOverrides, subjectSelects} from '../../src/core/sources/binding.js'
import {expandKubernetesVariables, planContainerSource} from '../../src/core/sources/container.js'
import {goJson, goJsonString} from '../../src/core/sources/go-json.js'
import {matchesLabelSelector} from '../../src/core/sources/selector.js'

describe('K_CE_OVERRIDES', () => {
  it('is the empty string when the resource sets no ceOverrides', () => {
    expect(formatCeOverrides(undefined)).toBe('')
    expect(bindingEnvironment('http://sink', undefined)).toEqual({K_SINK: 'http://sink', K_CE_OVERRIDES: ''})
  })

  it('is JSON of the whole object with the keys sorted, as json.Marshal writes a Go map', () => {
    // the docs print {"extensions":{"extra":…,"additional":"42"}}; Go sorts map keys
    expect(formatCeOverrides({extensions: {extra: 'this is an extra attribute', additional: '42'}})).toBe(
      '{"extensions":{"additional":"42","extra":"this is an extra attribute"}}',
    )
  })

  it('leaves out empty extensions (omitempty), so ceOverrides: {} is {}', () => {
    expect(formatCeOverrides({extensions: {}})).toBe('{}')
  })

  it('escapes <, > and & and the JavaScript line separators as Go does', () => {
    expect(formatCeOverrides({extensions: {html: '<a href="x">&</a>', nl: 'a\nb\u2028c'}})).toBe(
      '{"extensions":{"html":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e","nl":"a\\nb\\u2028c"}}',
    )
    expect(goJsonString('\u0001\t\b\f')).toBe('"\\u0001\\t\\b\\f"')
  })

  it('adds K_CA_CERTS only when the sink has CA certs', () => {
    expect(Object.keys(bindingEnvironment('https://sink', undefined, 'PEM'))).toEqual(['K_SINK', 'K_CE_OVERRIDES', 'K_CA_CERTS'])
  })
})

describe('goJson', () => {
  it('sorts object keys at every level and keeps array order', () => {
    expect(goJson({b: 1, a: {d: [3, 1], c: null}, e: true})).toBe('{"a":{"c":null,"d":[3,1]},"b":1,"e":true}')
  })
})

describe('label selectors', () => {
  const labels = {app: 'node-server', tier: 'web'}
  it('needs every matchLabels pair and every expression', () => {
    expect(matchesLabelSelector({matchLabels: {app: 'node-server'}}, labels)).toBe(true)
    expect(matchesLabelSelector({matchLabels: {app: 'node-server', tier: 'db'}}, labels)).toBe(false)
    expect(matchesLabelSelector({matchExpressions: [{key: 'tier', operator: 'In', values: ['web', 'api']}]}, labels)).toBe(true)
    expect(matchesLabelSelector({matchExpressions: [{key: 'tier', operator: 'NotIn', values: ['web']}]}, labels)).toBe(false)
    expect(matchesLabelSelector({matchExpressions: [{key: 'zone', operator: 'DoesNotExist'}]}, labels)).toBe(true)
    expect(matchesLabelSelector({matchExpressions: [{key: 'zone', operator: 'Exists'}]}, labels)).toBe(false)
    expect(matchesLabelSelector({}, labels)).toBe(true)
  })
})

describe('SinkBinding subjects', () => {
  const subject = (extra: Partial<SinkBindingSubject>): SinkBindingSubject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'default',
    ...extra,
  })
  it('names a workload by name, whatever kind the subject says', () => {
    expect(subjectSelects(subject({name: 'display'}), {name: 'display', labels: {}})).toBe(true)
    expect(
      subjectSelects(subject({kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'display'}), {name: 'display', labels: {}}),
    ).toBe(true)
    expect(subjectSelects(subject({name: 'other'}), {name: 'display', labels: {}})).toBe(false)
  })

  it("selects by labels, and only in the workload's namespace when it has one", () => {
    const selector = subject({selector: {matchLabels: {app: 'node-server'}}})
    expect(subjectSelects(selector, {name: 'bookstore', labels: {app: 'node-server'}})).toBe(true)
    expect(subjectSelects(selector, {name: 'bookstore', labels: {app: 'other'}})).toBe(false)
    expect(subjectSelects(subject({name: 'display'}), {name: 'display', namespace: 'shop', labels: {}})).toBe(false)
  })
})

function containerSource(containers: string): ContainerSource {
  const parsed = parseManifests(
    `apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: heartbeats
spec:
  sink:
    uri: http://127.0.0.1:1/
  template:
    spec:
      containers:
${containers}`,
    'c.yaml',
  )
  expect(parsed.errors).toEqual([])
  return parsed.resources[0] as ContainerSource
}

describe('ContainerSource as local processes', () => {
  const binding = {K_SINK: 'http://127.0.0.1:8080/default/default', K_CE_OVERRIDES: ''}

  it("runs the container's command and args with its env and the SinkBinding contract, $(VAR) expanded", () => {
    const source = containerSource(`        - image: example/heartbeats
          command: [node, heartbeats.js]
          args: ["--sink=$(K_SINK)", "--period=$(PERIOD)", "$$(LITERAL)", "$(UNDEFINED)"]
          env:
            - {name: PERIOD, value: "1"}
            - {name: LABEL, value: "every $(PERIOD)s"}
            - {name: K_SINK, value: "overridden by the binding"}
`)
    const plan = planContainerSource(source, binding)
    expect(plan).toEqual({
      ok: true,
      notes: [],
      processes: [
        {
          name: 'default/heartbeats',
          command: ['node', 'heartbeats.js', '--sink=http://127.0.0.1:8080/default/default', '--period=1', '$(LITERAL)', '$(UNDEFINED)'],
          env: {PERIOD: '1', LABEL: 'every 1s', K_SINK: binding.K_SINK, K_CE_OVERRIDES: ''},
        },
      ],
    })
  })

  it("cannot run a container that relies on its image's entrypoint, and says how to map a command", () => {
    const plan = planContainerSource(
      containerSource('        - image: gcr.io/knative-nightly/knative.dev/eventing/cmd/heartbeats\n          args: [--period=1]\n'),
      binding,
    )
    expect(plan.ok).toBe(false)
    expect(plan).toMatchObject({
      reason: 'NoLocalCommand',
      message: expect.stringMatching(/heartbeats-0 has no command.*containerSources: \{heartbeats: \{command: \.\.\.\}\}/),
    })
  })

  it('runs the command kne.yaml maps instead, once, with the contract winning over its env', () => {
    const source = containerSource('        - image: a\n          env: [{name: A, value: "1"}]\n        - image: b\n')
    const plan = planContainerSource(source, binding, {command: 'npm run heartbeats', cwd: 'tools', env: {B: '2', K_SINK: 'no'}})
    expect(plan).toMatchObject({
      ok: true,
      processes: [{name: 'default/heartbeats', command: 'npm run heartbeats', cwd: 'tools', env: {A: '1', B: '2', ...binding}}],
    })
    expect(plan.ok && plan.notes).toEqual(['default/heartbeats: kne.yaml maps one command for 2 containers; it runs once'])
  })

  it('runs one process per container, named after each, and leaves out env it cannot resolve', () => {
    const plan = planContainerSource(
      containerSource(`        - name: a
          image: x
          command: [node, a.js]
          env: [{name: SECRET, valueFrom: {secretKeyRef: {name: s, key: k}}}]
        - name: b
          image: y
          command: [node, b.js]
`),
      binding,
    )
    expect(plan.ok && plan.processes.map((p) => [p.name, p.env.SECRET])).toEqual([
      ['default/heartbeats/a', undefined],
      ['default/heartbeats/b', undefined],
    ])
    expect(plan.ok && plan.notes).toEqual(['default/heartbeats: env SECRET uses valueFrom, which kne cannot resolve; it is left out'])
  })

  it('expands $(VAR) as Kubernetes does', () => {
    expect(expandKubernetesVariables('$(A)-$$(A)-$(B)-$A', {A: 'x'})).toBe('x-$(A)-$(B)-$A')
  })
})
