// `kne filter test`: explains a filter's decision for one event — a trigger's from the manifests, one
// given on the command line, or every trigger of a broker — exactly as the broker would decide it.
import {readFileSync} from 'node:fs'
import {afterBinaryHop} from '../core/cloudevent.js'
import {decodeJsonEvent, eventToJsonObject} from '../core/codec/json.js'
import {buildEvent, type EventInput} from '../core/event-builder.js'
import {KneError} from '../core/errors.js'
import {explainTriggerFilter, validateTriggerFilter, type FilterExplanation, type TriggerFilterSpec} from '../core/filters/index.js'
import {formatManifestError, type ManifestError, type Trigger} from '../core/resources/types.js'
import {parseYamlDocument} from '../core/resources/yaml.js'
import {loadManifests, loadProjectConfig} from '../project/manifests.js'
import {dirname, join} from 'node:path'
import {resourcesOf} from '../kinds/descriptors.js'
import {triggerKind} from '../kinds/eventing/descriptor.js'

export interface FilterTestOptions {
  /** Path of a CloudEvents JSON-format file, or - for stdin. */
  event?: string
  /** Without `event`: the event's attributes, as `kne send` takes them. */
  attributes?: Partial<Pick<EventInput, 'type' | 'source' | 'id' | 'subject' | 'extensions'>>
  trigger?: string
  /** Without a trigger or a filter: every trigger of this broker (in `namespace`) is evaluated. */
  broker?: string
  files?: string[]
  namespace: string
  filter?: string[]
  filtersFile?: string
  cesql?: string
  cwd?: string
}

export interface FilterTestReport {
  /** What was evaluated: `trigger default/x`, `--filter`, `--filters FILE` or `--cesql`. */
  subject: string
  spec: TriggerFilterSpec
  event: Record<string, unknown>
  explanation: FilterExplanation
}

const usage = (message: string): KneError => new KneError(message, 'INVALID_INPUT')

/** Every trigger of a broker against one event: delivered when at least one of them passes it. */
export interface BrokerFilterReport {
  /** `broker namespace/name`. */
  subject: string
  event: Record<string, unknown>
  triggers: {trigger: string; spec: TriggerFilterSpec; explanation: FilterExplanation}[]
  delivers: boolean
}

export function filterTest(options: FilterTestOptions): FilterTestReport | BrokerFilterReport {
  const given = [options.trigger, options.filter?.length ? options.filter : undefined, options.filtersFile, options.cesql].filter(
    (g) => g !== undefined,
  )
  if (given.length > 1) throw usage('give at most one of --trigger, --filter, --filters or --cesql')
  if (given.length === 0) return brokerTest(options)
  const {subject, spec} = filterSpec(options)
  const problems = validateTriggerFilter(spec)
  if (problems.length > 0) {
    throw usage(`the filter is not valid (Knative would reject it)`).withDetails(problems.map((p) => `${p.path}: ${p.message}`))
  }
  const event = afterBinaryHop(eventOf(options))
  return {subject, spec, event: eventToJsonObject(event), explanation: explainTriggerFilter(spec, event)}
}

function brokerTest(options: FilterTestOptions): BrokerFilterReport {
  const broker = options.broker ?? 'default'
  const {triggers} = loadTriggers(options)
  const event = afterBinaryHop(eventOf(options))
  const results = triggers
    .filter((t) => t.spec.broker === broker && t.metadata.namespace === options.namespace)
    .map((t) => {
      const spec = {filter: t.spec.filter, filters: t.spec.filters}
      return {trigger: `${t.metadata.namespace}/${t.metadata.name}`, spec, explanation: explainTriggerFilter(spec, event)}
    })
  return {
    subject: `broker ${options.namespace}/${broker}`,
    event: eventToJsonObject(event),
    triggers: results,
    delivers: results.some((r) => r.explanation.delivers),
  }
}

/** The event from --event (a JSON-format file), or built from its attributes as `kne send` builds it. */
function eventOf(options: FilterTestOptions) {
  const {attributes} = options
  if ((options.event === undefined) === (attributes?.type === undefined))
    throw usage(
      'give the event either as a file (--event FILE, or - for stdin) or by its attributes (--type, with --source, --subject, --extension)',
    )
  if (options.event !== undefined) return readEvent(options.event)
  const built = buildEvent({...attributes, type: attributes!.type!, source: attributes!.source ?? 'kne'})
  if (!built.ok) throw usage(`invalid event: ${built.error}`)
  return built.event
}

function readEvent(path: string) {
  let text: string
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8')
  } catch (error) {
    throw usage(`--event ${path}: ${(error as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw usage(`--event ${path}: not JSON (${(error as Error).message}); give a CloudEvent in the JSON format`)
  }
  const decoded = decodeJsonEvent(json)
  if (!decoded.ok) throw usage(`--event ${path}: not a valid CloudEvent: ${decoded.error}`)
  return decoded.event
}

function filterSpec(options: FilterTestOptions): {subject: string; spec: TriggerFilterSpec} {
  if (options.cesql !== undefined) return {subject: '--cesql', spec: {filters: [{cesql: options.cesql}]}}
  if (options.filter?.length) {
    const attributes: Record<string, string> = {}
    for (const pair of options.filter) {
      const eq = pair.indexOf('=')
      if (eq <= 0) throw usage(`--filter ${pair}: expected NAME=VALUE`)
      attributes[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
    return {subject: '--filter', spec: {filter: {attributes}}}
  }
  if (options.filtersFile !== undefined) {
    let text: string
    try {
      text = readFileSync(options.filtersFile, 'utf8')
    } catch (error) {
      throw usage(`--filters ${options.filtersFile}: ${(error as Error).message}`)
    }
    // the manifests' parser: the same alias and size limits for a file that may come from someone else
    const parsed = parseYamlDocument(text)
    if (!parsed.ok) throw usage(`--filters ${options.filtersFile}: ${parsed.message}`)
    const doc = parsed.value
    // a bare list is spec.filters; a mapping may carry filters and/or filter, like a Trigger's spec
    const spec: TriggerFilterSpec | null = Array.isArray(doc) ? {filters: doc} : (doc as TriggerFilterSpec | null)
    if (spec === null || typeof spec !== 'object')
      throw usage(`--filters ${options.filtersFile}: expected a list of filters or a mapping with filters/filter`)
    return {subject: `--filters ${options.filtersFile}`, spec: {filter: spec.filter, filters: spec.filters}}
  }
  return triggerSpec(options.trigger!, options)
}

function loadTriggers(options: FilterTestOptions): {triggers: Trigger[]; errors: ManifestError[]; files: string[]} {
  const cwd = options.cwd ?? process.cwd()
  let files = options.files ?? []
  if (files.length === 0) {
    const project = loadProjectConfig(undefined, [], cwd)
    files = [project.file ? join(dirname(project.file), project.config.manifests) : join(cwd, 'knative')]
  }
  const loaded = loadManifests(files.map((f) => join(f.startsWith('/') ? '' : cwd, f)))
  return {triggers: resourcesOf(loaded.resources, triggerKind), errors: loaded.errors, files}
}

function triggerSpec(name: string, options: FilterTestOptions): {subject: string; spec: TriggerFilterSpec} {
  const {triggers, errors, files} = loadTriggers(options)
  const trigger = triggers.find((t) => t.metadata.name === name && t.metadata.namespace === options.namespace)
  if (!trigger) {
    const invalid = errors.filter((e) => e.resource === `Trigger ${options.namespace}/${name}`)
    if (invalid.length > 0) throw usage(`trigger ${options.namespace}/${name} is not valid`).withDetails(invalid.map(formatManifestError))
    const known = triggers.map((t) => `${t.metadata.namespace}/${t.metadata.name}`)
    throw usage(
      `trigger ${options.namespace}/${name} not found in ${files.join(', ')}${known.length ? ` (found: ${known.join(', ')})` : ''}`,
    )
  }
  return {subject: `trigger ${options.namespace}/${name}`, spec: {filter: trigger.spec.filter, filters: trigger.spec.filters}}
}
