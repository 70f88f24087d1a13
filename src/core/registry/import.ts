// An xRegistry or AsyncAPI 3 document read back as EventType manifests: each CloudEvents message definition
// (xRegistry) or message with a fixed `ce-type` header (AsyncAPI) becomes one EventType, v1beta3 where it
// describes attributes v1beta2 has no field for, else v1beta2. What no EventType field can hold is listed as
// unmapped; what is wrong (no type, a reference the document cannot resolve) is a problem, with the path
// inside the document, and a caller writes nothing while there is one.
import {kubernetesNameProblem} from '../resources/names.js'
import {parseYamlDocument} from '../resources/yaml.js'
import {eventTypeManifest, eventTypeNames, REQUIRED_EVENT_TYPE_ATTRIBUTES, type EventTypeManifest, type EventTypeVersion} from './export.js'
import {isTemplate} from './patterns.js'
import {jsonPointer} from './schema.js'
import {binaryModeHeader} from '../codec/http.js'
import {isObject} from '../resources/read.js'
import {XREGISTRY_LABELS} from './xregistry.js'
import type {AttributeFact, RegistryEntry, RegistryReference} from './types.js'

export type DocumentFormat = 'xregistry' | 'asyncapi'

export interface DocumentProblem {
  /** A JSON pointer into the document (`/messagegroups/orders/messages/created/envelopemetadata/type`). */
  path: string
  message: string
}

export interface ImportedEventType {
  name: string
  namespace: string
  type: string
  /** Where in the document it is described. */
  path: string
  manifest: EventTypeManifest
}

export interface DocumentEventTypes {
  /** What the document is; undefined when it is neither. */
  format?: DocumentFormat
  eventTypes: ImportedEventType[]
  /** Parts of the document no EventType holds (they are left out). */
  unmapped: DocumentProblem[]
  /** What is wrong with the document: nothing should be written while there is one. */
  problems: DocumentProblem[]
}

export interface ImportOptions {
  /** The namespace of types the document does not place in one (the project's); left out of their manifests. */
  namespace: string
}

/** A type as the document describes it, before it becomes a manifest. */
interface DescribedType {
  path: string
  type: string
  attributes: {name: string; required: boolean; value?: string}[]
  description?: string
  schema?: Record<string, unknown>
  schemaText?: string
  /** An external schema URI (v1beta2 `spec.schema`). */
  schemaUrl?: string
  reference?: RegistryReference
  name?: string
  namespace?: string
  apiVersion?: string
}

/** What a v1beta2 EventType holds of the attributes (dataschema is its `schema`). */
const V1BETA2_ATTRIBUTES: readonly string[] = [...REQUIRED_EVENT_TYPE_ATTRIBUTES, 'dataschema']
const ATTRIBUTE_NAME = /^[a-z0-9]+$/

/** The EventTypes an xRegistry or AsyncAPI 3 document describes (text as JSON or YAML, or the parsed document). */
export function eventTypesFromDocument(input: unknown, options: ImportOptions): DocumentEventTypes {
  try {
    return readDocument(input, options)
  } catch (error) {
    // JSON parses nesting of any depth, but walking or writing it back recurses
    if (!(error instanceof RangeError)) throw error
    return {eventTypes: [], unmapped: [], problems: [{path: '', message: `nested too deeply for kne to read (${error.message})`}]}
  }
}

function readDocument(input: unknown, options: ImportOptions): DocumentEventTypes {
  const result: DocumentEventTypes = {eventTypes: [], unmapped: [], problems: []}
  const document = typeof input === 'string' ? parseText(input, result) : input
  if (document === undefined) return result
  if (!isObject(document)) {
    result.problems.push({path: '', message: 'the document is not an object: expected an xRegistry or AsyncAPI 3 document'})
    return result
  }
  const types: DescribedType[] = []
  if ('asyncapi' in document) {
    result.format = 'asyncapi'
    readAsyncApi(document, types, result)
  } else if (['messagegroups', 'endpoints', 'schemagroups'].some((k) => k in document) || 'registryid' in document) {
    result.format = 'xregistry'
    readXRegistry(document, types, result)
  } else {
    result.problems.push({
      path: '',
      message: 'neither AsyncAPI (no "asyncapi" field) nor xRegistry (no "messagegroups", "endpoints" or "schemagroups")',
    })
    return result
  }
  result.eventTypes = toEventTypes(types, options, result)
  if (result.eventTypes.length === 0 && result.problems.length === 0)
    result.unmapped.push({path: '', message: 'the document describes no CloudEvents event type'})
  return result
}

function parseText(text: string, result: DocumentEventTypes): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    const yaml = parseYamlDocument(text)
    if (yaml.ok) return yaml.value
    result.problems.push({path: '', message: `neither JSON nor YAML: ${yaml.message}`})
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------
// xRegistry

function readXRegistry(document: Record<string, unknown>, types: DescribedType[], result: DocumentEventTypes): void {
  const usedSchemas = new Set<string>()
  const groups = mapAt(document, 'messagegroups', '', result)
  for (const [groupId, group] of Object.entries(groups)) {
    const groupPath = `/messagegroups/${escape(groupId)}`
    if (!isObject(group)) {
      result.problems.push({path: groupPath, message: 'a message group must be an object'})
      continue
    }
    readMessages(document, group, groupPath, types, result, usedSchemas)
  }
  const endpoints = mapAt(document, 'endpoints', '', result)
  for (const [endpointId, endpoint] of Object.entries(endpoints)) {
    const path = `/endpoints/${escape(endpointId)}`
    if (!isObject(endpoint)) {
      result.problems.push({path, message: 'an endpoint must be an object'})
      continue
    }
    if ('messages' in endpoint) readMessages(document, endpoint, path, types, result, usedSchemas)
    // kne's own endpoints are its brokers and channels, which come from their manifests
    const labels = isObject(endpoint.labels) ? endpoint.labels : {}
    if (!(XREGISTRY_LABELS.referenceKind in labels))
      result.unmapped.push({path, message: "an endpoint: kne's brokers and channels come from their manifests, not from a registry"})
  }
  const schemaGroups = mapAt(document, 'schemagroups', '', result)
  for (const [groupId, group] of Object.entries(schemaGroups)) {
    const schemas = isObject(group) ? mapAt(group, 'schemas', `/schemagroups/${escape(groupId)}`, result) : {}
    for (const schemaId of Object.keys(schemas)) {
      const path = `/schemagroups/${escape(groupId)}/schemas/${escape(schemaId)}`
      if (!usedSchemas.has(path)) result.unmapped.push({path, message: 'a schema no message definition uses'})
    }
  }
}

function readMessages(
  document: Record<string, unknown>,
  group: Record<string, unknown>,
  groupPath: string,
  types: DescribedType[],
  result: DocumentEventTypes,
  usedSchemas: Set<string>,
): void {
  const groupLabels = isObject(group.labels) ? group.labels : {}
  const reference = referenceFromLabels(groupLabels)
  const messages = mapAt(group, 'messages', groupPath, result)
  for (const [messageId, raw] of Object.entries(messages)) {
    const path = `${groupPath}/messages/${escape(messageId)}`
    const message = withBase(document, raw, path, result)
    if (message === undefined) continue
    const envelope = stringOf(message.envelope ?? group.envelope ?? message.format ?? group.format)
    // xRegistry 0.5 called envelopemetadata `metadata` (with the attributes under `attributes`)
    const metadataKey = 'envelopemetadata' in message ? 'envelopemetadata' : 'metadata' in message ? 'metadata' : undefined
    if (envelope !== undefined ? envelope.toLowerCase() !== 'cloudevents/1.0' : metadataKey === undefined) {
      result.unmapped.push({
        path,
        message: `${envelope === undefined ? 'no envelope' : `envelope ${JSON.stringify(envelope)}`}: only CloudEvents/1.0 messages are event types`,
      })
      continue
    }
    let metadataPath = `${path}/${metadataKey ?? 'envelopemetadata'}`
    let metadata: unknown = metadataKey ? message[metadataKey] : {}
    if (metadataKey === 'metadata' && isObject(metadata) && isObject(metadata.attributes)) {
      metadata = metadata.attributes
      metadataPath += '/attributes'
    }
    if (!isObject(metadata)) {
      result.problems.push({path: metadataPath, message: 'must be an object of CloudEvents attributes'})
      continue
    }
    const attributes: DescribedType['attributes'] = []
    let bad = false
    for (const [name, declaration] of Object.entries(metadata)) {
      const attributePath = `${metadataPath}/${escape(name)}`
      if (!ATTRIBUTE_NAME.test(name)) {
        result.problems.push({
          path: attributePath,
          message: `${JSON.stringify(name)} is not a CloudEvents attribute name (lower-case letters and digits)`,
        })
        bad = true
        continue
      }
      if (!isObject(declaration)) {
        result.problems.push({path: attributePath, message: 'an attribute declaration must be an object ({value, required})'})
        bad = true
        continue
      }
      const value = declaration.value
      if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        result.problems.push({path: `${attributePath}/value`, message: 'an attribute value must be a string, number or boolean'})
        bad = true
        continue
      }
      attributes.push({
        name,
        required: declaration.required === true,
        ...(value === undefined || value === null ? {} : {value: String(value)}),
      })
    }
    if (bad) continue
    const type = attributes.find((a) => a.name === 'type')?.value
    if (type === undefined || type === '') {
      result.problems.push({path: `${metadataPath}/type`, message: 'no type value: an EventType needs the type its events carry'})
      continue
    }
    const datacontenttype = stringOf(message.datacontenttype)
    if (datacontenttype && !attributes.some((a) => a.name === 'datacontenttype'))
      attributes.push({name: 'datacontenttype', required: false, value: datacontenttype})
    const labels = isObject(message.labels) ? message.labels : {}
    const described: DescribedType = {path, type, attributes}
    const description = stringOf(message.description)
    if (description) described.description = description
    if (reference) described.reference = reference
    const name = stringOf(labels[XREGISTRY_LABELS.eventType])
    if (name) described.name = name
    const namespace =
      stringOf(labels[XREGISTRY_LABELS.namespace]) ?? reference?.namespace ?? stringOf(groupLabels[XREGISTRY_LABELS.namespace])
    if (namespace) described.namespace = namespace
    const apiVersion = stringOf(labels[XREGISTRY_LABELS.apiVersion])
    if (apiVersion) described.apiVersion = apiVersion
    if (!readMessageSchema(document, message, path, described, result, usedSchemas)) continue
    types.push(described)
  }
}

/** A message with its `basemessage` chain merged in (the message's own attributes win, attribute by attribute). */
function withBase(
  document: Record<string, unknown>,
  raw: unknown,
  path: string,
  result: DocumentEventTypes,
  depth = 0,
): Record<string, unknown> | undefined {
  if (!isObject(raw)) {
    result.problems.push({path, message: 'a message definition must be an object'})
    return undefined
  }
  const base = stringOf(raw.basemessage)
  if (base === undefined) return raw
  if (!base.startsWith('/') || depth > 8) {
    result.problems.push({
      path: `${path}/basemessage`,
      message: depth > 8 ? 'basemessage chains more than 8 deep (or loops)' : `${base} is outside the document: kne cannot resolve it`,
    })
    return undefined
  }
  const target = jsonPointer(document, base)
  if (target === undefined) {
    result.problems.push({path: `${path}/basemessage`, message: `references ${base}, which the document does not have`})
    return undefined
  }
  const merged = withBase(document, target, base, result, depth + 1)
  if (merged === undefined) return undefined
  const metadata = {
    ...(isObject(merged.envelopemetadata) ? merged.envelopemetadata : {}),
    ...(isObject(raw.envelopemetadata) ? raw.envelopemetadata : {}),
  }
  const {basemessage: _, ...own} = raw
  return {...merged, ...own, envelopemetadata: metadata}
}

/** The message's data schema (inline, or the schema resource it references); false when it references one that cannot be resolved. */
function readMessageSchema(
  document: Record<string, unknown>,
  message: Record<string, unknown>,
  path: string,
  described: DescribedType,
  result: DocumentEventTypes,
  usedSchemas: Set<string>,
): boolean {
  const format = stringOf(message.dataschemaformat)
  if (message.dataschema !== undefined) {
    setSchema(described, message.dataschema, format, `${path}/dataschema`, result)
    return true
  }
  const xid = stringOf(message.dataschemaxid)
  const uri = stringOf(message.dataschemauri)
  const local = xid ?? (uri?.startsWith('#/') ? uri.slice(1) : uri?.startsWith('/') ? uri : undefined)
  if (local !== undefined) {
    const where = `${path}/${xid !== undefined ? 'dataschemaxid' : 'dataschemauri'}`
    const resource = jsonPointer(document, local.split('#')[0]!)
    if (!isObject(resource)) {
      result.problems.push({path: where, message: `references ${local}, which the document does not have`})
      return false
    }
    usedSchemas.add(local.replace(/\/versions\/[^/]+$/, ''))
    const version = schemaVersion(resource)
    if (version.schema !== undefined) setSchema(described, version.schema, stringOf(version.format) ?? format, local, result)
    else if (typeof version.schemabase64 === 'string')
      setSchema(described, Buffer.from(version.schemabase64, 'base64').toString('utf8'), stringOf(version.format) ?? format, local, result)
    else if (stringOf(version.schemaurl)) described.schemaUrl = stringOf(version.schemaurl)
    else result.problems.push({path: local, message: 'a schema with no schema, schemabase64 or schemaurl'})
    return true
  }
  if (uri !== undefined) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) described.schemaUrl = uri
    else {
      result.problems.push({
        path: `${path}/dataschemauri`,
        message: `${uri} is neither inside the document nor an absolute URI: kne cannot resolve it`,
      })
      return false
    }
  }
  return true
}

/** A schema resource's default version: the resource itself when it holds the document, else `meta.defaultversionid`'s, else the last. */
function schemaVersion(resource: Record<string, unknown>): Record<string, unknown> {
  if ('schema' in resource || 'schemabase64' in resource || 'schemaurl' in resource || !isObject(resource.versions)) return resource
  const versions = resource.versions
  const preferred = isObject(resource.meta) ? stringOf(resource.meta.defaultversionid) : undefined
  const key = preferred !== undefined && preferred in versions ? preferred : Object.keys(versions).sort().at(-1)
  const version = key === undefined ? undefined : versions[key]
  return isObject(version) ? version : resource
}

function setSchema(described: DescribedType, schema: unknown, format: string | undefined, path: string, result: DocumentEventTypes): void {
  const isJsonSchema = format === undefined || /^(jsonschema|application\/schema\+json|application\/vnd\.aai\.asyncapi)/i.test(format)
  if (isJsonSchema && isObject(schema)) {
    described.schema = schema
    return
  }
  if (typeof schema === 'string') {
    if (isJsonSchema) {
      try {
        const parsed: unknown = JSON.parse(schema)
        if (isObject(parsed)) {
          described.schema = parsed
          return
        }
      } catch {
        // kept as text below
      }
    }
    described.schemaText = schema
  } else described.schemaText = JSON.stringify(schema, null, 2)
  if (!isJsonSchema) result.unmapped.push({path, message: `a ${format} schema is kept as schemaData text: kne reads JSON Schema only`})
}

function referenceFromLabels(labels: Record<string, unknown>): RegistryReference | undefined {
  const kind = stringOf(labels[XREGISTRY_LABELS.referenceKind])
  const name = stringOf(labels[XREGISTRY_LABELS.referenceName])
  const namespace = stringOf(labels[XREGISTRY_LABELS.referenceNamespace])
  const apiVersion = stringOf(labels[XREGISTRY_LABELS.referenceApiVersion])
  if (!kind || !name || !namespace || !apiVersion) return undefined
  return {apiVersion, kind, name, namespace}
}

// ---------------------------------------------------------------------------------------------------
// AsyncAPI 3

function readAsyncApi(document: Record<string, unknown>, types: DescribedType[], result: DocumentEventTypes): void {
  const version = document.asyncapi
  if (typeof version !== 'string' || !version.startsWith('3.')) {
    result.problems.push({path: '/asyncapi', message: `AsyncAPI ${JSON.stringify(version)}: kne reads AsyncAPI 3 documents`})
    return
  }
  const seen = new Set<string>()
  const visit = (value: unknown, path: string): void => {
    const resolved = resolveRef(document, value, path, result)
    if (resolved === undefined || seen.has(resolved.path)) return
    seen.add(resolved.path)
    const described = asyncApiMessage(document, resolved.value, resolved.path, result)
    if (described) types.push(described)
  }
  const channels = mapAt(document, 'channels', '', result)
  for (const [channelId, channel] of Object.entries(channels)) {
    const channelPath = `/channels/${escape(channelId)}`
    const resolved = resolveRef(document, channel, channelPath, result)
    if (resolved === undefined || !isObject(resolved.value)) continue
    for (const [messageId, message] of Object.entries(mapAt(resolved.value, 'messages', resolved.path, result)))
      visit(message, `${resolved.path}/messages/${escape(messageId)}`)
  }
  const components = isObject(document.components) ? document.components : {}
  for (const [messageId, message] of Object.entries(mapAt(components, 'messages', '/components', result)))
    visit(message, `/components/messages/${escape(messageId)}`)
}

function asyncApiMessage(
  document: Record<string, unknown>,
  message: unknown,
  path: string,
  result: DocumentEventTypes,
): DescribedType | undefined {
  if (!isObject(message)) {
    result.problems.push({path, message: 'a message must be an object'})
    return undefined
  }
  let headers: Record<string, unknown> = {}
  let headersPath = `${path}/headers`
  if (message.headers !== undefined) {
    const resolved = resolveRef(document, multiFormat(message.headers), headersPath, result)
    if (resolved === undefined) return undefined
    if (!isObject(resolved.value)) {
      result.problems.push({path: resolved.path, message: 'headers must be a schema object'})
      return undefined
    }
    headers = resolved.value
    headersPath = resolved.path
  }
  const properties = isObject(headers.properties) ? headers.properties : {}
  const required = Array.isArray(headers.required) ? headers.required.filter((r): r is string => typeof r === 'string') : []
  const attributes: DescribedType['attributes'] = []
  for (const [header, raw] of Object.entries(properties)) {
    const lower = header.toLowerCase()
    const name = lower === 'content-type' ? 'datacontenttype' : lower.startsWith('ce-') ? lower.slice(3) : undefined
    if (name === undefined) continue
    const propertyPath = `${headersPath}/properties/${escape(header)}`
    if (!ATTRIBUTE_NAME.test(name)) {
      result.problems.push({
        path: propertyPath,
        message: `${JSON.stringify(name)} is not a CloudEvents attribute name (lower-case letters and digits)`,
      })
      return undefined
    }
    const resolved = resolveRef(document, raw, propertyPath, result)
    if (resolved === undefined) return undefined
    const schema = isObject(resolved.value) ? resolved.value : {}
    const fixed = fixedValue(schema)
    const kneTemplate = stringOf(schema['x-kne-template'])
    attributes.push({
      name,
      required: required.includes(header) || required.includes(binaryModeHeader(name)),
      ...(fixed !== undefined ? {value: fixed} : kneTemplate !== undefined ? {value: kneTemplate} : {}),
    })
  }
  const type = attributes.find((a) => a.name === 'type')?.value
  if (type === undefined) {
    result.unmapped.push({
      path,
      message: 'no ce-type header with one fixed value (const or a one-value enum): not an event type kne can declare',
    })
    return undefined
  }
  const contentType = stringOf(message.contentType)
  if (contentType && !attributes.some((a) => a.name === 'datacontenttype'))
    attributes.push({name: 'datacontenttype', required: false, value: contentType})
  const described: DescribedType = {path, type, attributes}
  const description = stringOf(message.summary) ?? stringOf(message.description)
  if (description) described.description = description
  const kne = isObject(message['x-kne-eventtype']) ? message['x-kne-eventtype'] : {}
  if (stringOf(kne.name)) described.name = stringOf(kne.name)
  if (stringOf(kne.namespace)) described.namespace = stringOf(kne.namespace)
  if (stringOf(kne.apiVersion)) described.apiVersion = stringOf(kne.apiVersion)
  if (isObject(kne.reference)) {
    const r = kne.reference
    if (stringOf(r.kind) && stringOf(r.name) && stringOf(r.apiVersion))
      described.reference = {
        apiVersion: stringOf(r.apiVersion)!,
        kind: stringOf(r.kind)!,
        name: stringOf(r.name)!,
        namespace: stringOf(r.namespace) ?? described.namespace ?? '',
      }
  }
  if (message.payload !== undefined) {
    const payload = message.payload
    const format = isObject(payload) && 'schemaFormat' in payload ? stringOf(payload.schemaFormat) : undefined
    const resolved = resolveRef(document, multiFormat(payload), `${path}/payload`, result)
    if (resolved === undefined) return undefined
    if (refsInside(resolved.value)) {
      result.problems.push({path: resolved.path, message: 'the payload schema holds $refs: kne keeps schemas whole, without references'})
      return undefined
    }
    setSchema(described, resolved.value, format, resolved.path, result)
  }
  return described
}

/** A multi-format schema's schema (`{schemaFormat, schema}`), or the value itself. */
function multiFormat(value: unknown): unknown {
  return isObject(value) && 'schemaFormat' in value && 'schema' in value ? value.schema : value
}

function fixedValue(schema: Record<string, unknown>): string | undefined {
  const scalar = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined)
  if ('const' in schema) return scalar(schema.const)
  if (Array.isArray(schema.enum) && schema.enum.length === 1) return scalar(schema.enum[0])
  return undefined
}

function refsInside(value: unknown, depth = 0): boolean {
  if (depth > 64 || value === null || typeof value !== 'object') return false
  if (!Array.isArray(value) && typeof (value as Record<string, unknown>).$ref === 'string') return true
  return Object.values(value).some((v) => refsInside(v, depth + 1))
}

/** A local `$ref` followed (chains too); a problem for one outside the document or to nothing. */
function resolveRef(
  document: Record<string, unknown>,
  value: unknown,
  path: string,
  result: DocumentEventTypes,
): {value: unknown; path: string} | undefined {
  let current = value
  let where = path
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref
    if (hops > 16) {
      result.problems.push({path: `${where}/$ref`, message: 'a $ref chain more than 16 long (or a loop)'})
      return undefined
    }
    if (!ref.startsWith('#/') && ref !== '#') {
      result.problems.push({path: `${where}/$ref`, message: `${ref} is outside the document: kne cannot resolve it`})
      return undefined
    }
    const target = jsonPointer(document, ref.slice(1))
    if (target === undefined) {
      result.problems.push({path: `${where}/$ref`, message: `references ${ref}, which the document does not have`})
      return undefined
    }
    current = target
    where = ref.slice(1)
  }
  return {value: current, path: where}
}

// ---------------------------------------------------------------------------------------------------
// To manifests

/** The described types as registry entries, named and written as kne registry export writes EventTypes. */
function toEventTypes(types: readonly DescribedType[], options: ImportOptions, result: DocumentEventTypes): ImportedEventType[] {
  const entries = new Map<RegistryEntry, DescribedType>()
  for (const described of types) {
    const entry = toEntry(described, options, result)
    if (entry) entries.set(entry, described)
  }
  const names = eventTypeNames([...entries.keys()])
  return [...entries].map(([entry, described]) => {
    const extra = described.attributes.filter((a) => !V1BETA2_ATTRIBUTES.includes(a.name))
    const declared = described.apiVersion
    const version: EventTypeVersion = declared?.endsWith('/v1beta2')
      ? 'v1beta2'
      : declared?.endsWith('/v1beta3') || extra.length > 0
        ? 'v1beta3'
        : 'v1beta2'
    const name = names.get(entry)!
    const manifest = eventTypeManifest(entry, name, {version, defaultNamespace: options.namespace, ownDescriptionOnly: true}, [])
    if (version === 'v1beta2')
      for (const a of extra)
        result.unmapped.push({path: described.path, message: `attribute ${a.name}: a v1beta2 EventType has no field for it`})
    else if (entry.schema || entry.schemaText !== undefined)
      result.unmapped.push({path: described.path, message: 'its data schema: a v1beta3 EventType has no field for it'})
    return {name, namespace: entry.namespace, type: entry.type, path: described.path, manifest}
  })
}

/** A described type as the registry would hold it had an EventType declared it; undefined (a problem) for a namespace that is not a name. */
function toEntry(described: DescribedType, options: ImportOptions, result: DocumentEventTypes): RegistryEntry | undefined {
  const namespace = described.namespace ?? options.namespace
  const namespaceProblem = kubernetesNameProblem(namespace, 'namespace', 'label')
  if (namespaceProblem) {
    result.problems.push({path: described.path, message: namespaceProblem})
    return undefined
  }
  const attributes: AttributeFact[] = described.attributes.map((a) => ({
    name: a.name,
    required: a.required,
    ...(a.value === undefined ? {} : isTemplate(a.value) && a.name !== 'type' ? {template: a.value} : {value: a.value}),
  }))
  const source = described.attributes.find((a) => a.name === 'source')?.value
  const entry: RegistryEntry = {
    key: described.path,
    type: described.type,
    namespace,
    sources: [],
    origins: [],
    attributes,
    producers: [],
    consumers: [],
    declaredBy:
      described.name !== undefined && kubernetesNameProblem(described.name) === undefined
        ? [{name: described.name, namespace, apiVersion: described.apiVersion ?? '', file: described.path}]
        : [],
    notes: [],
  }
  if (source !== undefined) {
    if (isTemplate(source)) entry.sourcePattern = source
    else entry.source = source
  }
  if (described.reference) entry.reference = {...described.reference, namespace: described.reference.namespace || namespace}
  if (described.description) entry.description = described.description
  if (described.schema) entry.schema = described.schema
  if (described.schemaText !== undefined) entry.schemaText = described.schemaText
  const schemaUrl = described.attributes.find((a) => a.name === 'dataschema')?.value ?? described.schemaUrl
  if (schemaUrl) entry.schemaUrl = schemaUrl
  return entry
}

// ---------------------------------------------------------------------------------------------------
// JSON helpers

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A map-valued field (`messagegroups`, `messages`, …): `{}` when absent, a problem when not an object. */
function mapAt(object: Record<string, unknown>, key: string, path: string, result: DocumentEventTypes): Record<string, unknown> {
  const value = object[key]
  if (value === undefined || value === null) return {}
  if (isObject(value)) return value
  result.problems.push({
    path: `${path}/${key}`,
    message: `must be an object keyed by id, not ${Array.isArray(value) ? 'an array' : typeof value}`,
  })
  return {}
}

/** A key as a JSON pointer segment. */
function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}
