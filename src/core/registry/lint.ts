// Checks the registry makes possible, as far as its model knows: sinks that do not resolve, brokers and
// triggers without a dead-letter sink, trigger filters no known type satisfies, types nobody consumes,
// reply loops (a subscriber's reply type accepted by its own trigger, or a cycle of them), and
// declarations the observed events contradict. Errors are what breaks delivery; warnings are smells.
import {checkReferences} from '../references.js'
import type {ServiceMap} from '../resources/destination.js'
import type {DeliverySpec, KneResource, ManifestError, ManifestResource} from '../resources/types.js'
import {formatManifestError, resourceKey} from '../resources/types.js'
import {compileTopology, type TriggerRoute} from '../topology.js'
import {formatReference, referenceKey, type Registry} from './registry.js'
import type {RegistryEntry} from './types.js'
import {compileEventSchemas, declaredSchemas, describeViolations, type ReadSchemaFile} from './validation.js'
import {isJsonMediaType} from '../cloudevent.js'
import {isSourceKind, resourcesOf, roleOf} from '../../kinds/descriptors.js'
import {triggerKind} from '../../kinds/eventing/descriptor.js'

export type LintSeverity = 'error' | 'warning'

export type LintCheck =
  | 'invalid-manifest'
  | 'missing-broker'
  | 'unresolved-sink'
  | 'no-dead-letter-sink'
  | 'unsatisfiable-filter'
  | 'unconsumed-type'
  | 'reply-loop'
  | 'declared-mismatch'
  | 'invalid-schema'
  | 'schema-violation'

export interface LintProblem {
  severity: LintSeverity
  check: LintCheck
  /** `Kind namespace/name`, or `EventType namespace/type (reference)` for a registry entry. */
  resource: string
  file?: string
  message: string
  hint?: string
}

export interface LintReport {
  problems: LintProblem[]
  errors: number
  warnings: number
  /** What was looked at. */
  checked: {brokers: number; triggers: number; sources: number; types: number}
}

export interface LintInput {
  resources: readonly ManifestResource[]
  registry: Registry
  /** kne.yaml's service map (ksvc:/svc: sinks resolve through it). */
  services?: ServiceMap
  /** kne.yaml's brokerDefaults.delivery. */
  brokerDelivery?: DeliverySpec
  /** Problems found while loading the manifests; each is an error. */
  manifestErrors?: readonly ManifestError[]
  /**
   * Check references (missing brokers, sinks that do not resolve) as kne validate does; on unless false.
   * `kne validate --lint` passes false: validate has reported them already.
   */
  references?: boolean
  /** Reads the local schema files EventTypes name (without it only schemaData is checked). */
  readSchemaFile?: ReadSchemaFile
}

/** The topology's base URL: only which deliveries have a dead-letter sink matters here. */
const LINT_MESH_URL = 'http://127.0.0.1:8080'

export function lintRegistry(input: LintInput): LintReport {
  const problems: LintProblem[] = []
  for (const e of input.manifestErrors ?? []) {
    problems.push({
      severity: 'error',
      check: 'invalid-manifest',
      resource: e.resource ?? e.file,
      file: e.file,
      message: formatManifestError(e),
    })
  }
  const modeled = input.resources.filter((r): r is KneResource => !('supported' in r))
  const topology = compileTopology(modeled, {meshUrl: LINT_MESH_URL, services: input.services, brokerDelivery: input.brokerDelivery})
  const routes: TriggerRoute[] = [...[...topology.brokers.values()].flatMap((b) => b.triggers), ...topology.orphanTriggers]

  // references: the same checks kne validate makes (missing brokers, channels, unmapped services, …)
  if (input.references !== false) {
    const references = checkReferences(input.resources, {services: input.services})
    for (const [severity, list] of [
      ['error', references.errors],
      ['warning', references.warnings],
    ] as const) {
      for (const e of list) {
        problems.push({
          severity,
          check: e.field === 'spec.broker' && e.resource?.startsWith('Trigger ') ? 'missing-broker' : 'unresolved-sink',
          resource: e.resource ?? e.file,
          file: e.file,
          message: `${e.field ? `${e.field}: ` : ''}${e.message}`,
        })
      }
    }
  }
  for (const route of routes) {
    const {trigger} = route
    const sub = trigger.spec.subscriber.ref
    if (
      sub !== undefined &&
      roleOf(sub.kind) === 'broker' &&
      sub.name === trigger.spec.broker &&
      (sub.namespace ?? trigger.metadata.namespace) === trigger.metadata.namespace
    ) {
      problems.push({
        severity: 'error',
        check: 'reply-loop',
        resource: `Trigger ${route.key}`,
        file: trigger.origin.file,
        message: `the subscriber is the trigger's own broker: every event it accepts goes back into ${trigger.spec.broker} and reaches it again, until the TTL runs out`,
      })
    }
  }
  const sources = modeled.filter((r) => isSourceKind(r.apiVersion, r.kind)).length

  // dead-letter sinks --------------------------------------------------------------------------------
  for (const broker of topology.brokers.values()) {
    const unprotected = broker.triggers.filter((t) => !t.delivery?.deadLetterSink).map((t) => t.trigger.metadata.name)
    if (!broker.delivery?.deadLetterSink) {
      problems.push({
        severity: 'warning',
        check: 'no-dead-letter-sink',
        resource: `Broker ${broker.key}`,
        file: broker.broker.origin.file,
        message: `no dead-letter sink: events that run out of retries${unprotected.length > 0 ? ` on ${plural(unprotected.length, 'trigger')} ${unprotected.join(', ')}` : ''} are lost`,
        hint: 'set spec.delivery.deadLetterSink (kne broker create NAME --dl-sink …)',
      })
    }
    for (const t of broker.triggers) {
      // a trigger's delivery replaces the broker's whole (semantics §3.1), dead-letter sink included
      if (broker.delivery?.deadLetterSink && t.trigger.spec.delivery && !t.trigger.spec.delivery.deadLetterSink) {
        problems.push({
          severity: 'warning',
          check: 'no-dead-letter-sink',
          resource: `Trigger ${t.key}`,
          file: t.trigger.origin.file,
          message: `its spec.delivery replaces the broker's, which has the dead-letter sink: events that fail on this trigger are lost`,
          hint: "add deadLetterSink to the trigger's delivery (--dl-sink)",
        })
      }
    }
  }

  // filters and types --------------------------------------------------------------------------------
  const entries = new Map(input.registry.entries.map((e) => [e.key, e]))
  const byTrigger = new Map<string, {entry: RegistryEntry; reason: string; verdict: string}[]>()
  for (const v of input.registry.verdicts) {
    const list = byTrigger.get(v.trigger) ?? []
    list.push({entry: entries.get(v.entry)!, reason: v.match.reason, verdict: v.match.verdict})
    byTrigger.set(v.trigger, list)
  }
  const triggers = resourcesOf(modeled, triggerKind)
  for (const trigger of triggers) {
    const key = resourceKey(trigger.metadata.namespace, trigger.metadata.name)
    const verdicts = byTrigger.get(key) ?? []
    if (verdicts.length > 0 && verdicts.every((v) => v.verdict === 'no-match')) {
      const types = [...new Set(verdicts.map((v) => v.entry.type))]
      problems.push({
        severity: 'warning',
        check: 'unsatisfiable-filter',
        resource: `Trigger ${key}`,
        file: trigger.origin.file,
        message: `no known event type reaching broker ${trigger.spec.broker} passes its filter (${plural(types.length, 'type')} known: ${types.slice(0, 4).join(', ')}${types.length > 4 ? ', …' : ''})`,
        hint: `save an example event (kne registry describe ${types[0]} --json) and run kne filter test --trigger ${trigger.metadata.name} --event FILE to see why`,
      })
    }
  }
  for (const entry of input.registry.entries) {
    const resource = `EventType ${entry.namespace}/${entry.type} (${formatReference(entry.reference)})`
    const file = entry.declaredBy[0]?.file
    if (entry.consumers.length === 0 && (entry.broker !== undefined || entry.reference === undefined)) {
      problems.push({
        severity: 'warning',
        check: 'unconsumed-type',
        resource,
        file,
        message: `no trigger consumes it${entry.broker ? ` on broker ${entry.broker}` : ''}: its events are accepted and dropped`,
        hint: `kne registry describe ${entry.type} prints a kne trigger create line`,
      })
    }
    for (const note of entry.notes) problems.push({severity: 'warning', check: 'declared-mismatch', resource, file, message: note})
  }
  problems.push(...schemaProblems(input))
  problems.push(...replyLoops(input.registry))

  const order: Record<LintSeverity, number> = {error: 0, warning: 1}
  problems.sort((a, b) => order[a.severity] - order[b.severity] || a.check.localeCompare(b.check) || a.resource.localeCompare(b.resource))
  return {
    problems,
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
    checked: {brokers: topology.brokers.size, triggers: triggers.length, sources, types: input.registry.entries.length},
  }
}

/** Declared schemas that cannot be read or compiled, and observed events whose data breaks its type's schema. */
function schemaProblems(input: LintInput): LintProblem[] {
  const problems: LintProblem[] = []
  const declared = declaredSchemas(input.resources, input.readSchemaFile)
  const compiled = compileEventSchemas(declared.schemas)
  for (const p of [...declared.problems, ...compiled.problems])
    problems.push({
      severity: 'error',
      check: 'invalid-schema',
      resource: p.resource ?? p.file,
      file: p.file,
      message: formatManifestError(p),
    })
  for (const entry of input.registry.entries) {
    const example = entry.example
    if (entry.exampleOrigin !== 'observed' || example === undefined || !('data' in example)) continue
    if (!isJsonMediaType(typeof example.datacontenttype === 'string' ? example.datacontenttype : undefined)) continue
    const check = compiled.schemas.checkData(entry.namespace, referenceKey(entry.reference), entry.type, example.data)
    if (check === undefined) continue
    problems.push({
      severity: 'warning',
      check: 'schema-violation',
      resource: `EventType ${entry.namespace}/${entry.type} (${formatReference(entry.reference)})`,
      file: entry.declaredBy[0]?.file,
      message: `the latest observed event (id ${String(example.id)}) does not match the declared schema: ${describeViolations(check)}`,
      hint: 'fix the producer, or the schema (kne dev --validate-events reject refuses such events at ingress)',
    })
  }
  return problems
}

/**
 * Reply loops: an edge runs from trigger A to trigger B when A's subscriber replies with a type (an entry
 * whose reference is A) that B's filter accepts on the same broker. A cycle is a loop; it is an error
 * when every edge is a certain match, a warning when one is only "may match".
 */
function replyLoops(registry: Registry): LintProblem[] {
  const edges = new Map<string, {to: string; type: string; certain: boolean}[]>()
  for (const entry of registry.entries) {
    if (entry.reference === undefined || roleOf(entry.reference.kind) !== 'trigger') continue
    const from = resourceKey(entry.reference.namespace, entry.reference.name)
    for (const c of entry.consumers) {
      const list = edges.get(from) ?? []
      list.push({to: c.trigger, type: entry.type, certain: c.verdict === 'matches'})
      edges.set(from, list)
    }
  }
  const problems: LintProblem[] = []
  const reported = new Set<string>()
  const visit = (start: string, node: string, path: {trigger: string; type: string; certain: boolean}[]): void => {
    if (path.length > 8) return
    for (const edge of edges.get(node) ?? []) {
      const next = [...path, {trigger: node, type: edge.type, certain: edge.certain}]
      if (edge.to === start) {
        const members = next.map((s) => s.trigger)
        const id = [...members].sort().join(' ')
        if (reported.has(id)) continue
        reported.add(id)
        const certain = next.every((s) => s.certain)
        const chain = next.map((s) => `${s.trigger} replies ${s.type}`).join(', ')
        problems.push({
          severity: certain ? 'error' : 'warning',
          check: 'reply-loop',
          resource: `Trigger ${start}`,
          message:
            next.length === 1
              ? `its subscriber replies with ${next[0]!.type}, which its own filter ${certain ? 'accepts' : 'may accept'}: the reply comes back to it until the TTL runs out`
              : `reply loop (${chain}, back to ${start})${certain ? '' : ' if the filters that "may match" do'}: events circle until the TTL runs out`,
          hint: 'narrow the filter (e.g. exclude the reply type with not: {exact: {type: …}}) or reply with another type',
        })
      } else if (!path.some((s) => s.trigger === edge.to) && edge.to !== node) {
        visit(start, edge.to, next)
      }
    }
  }
  for (const start of edges.keys()) visit(start, start, [])
  return problems
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
