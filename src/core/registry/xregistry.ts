// The registry as an xRegistry document (the CNCF CloudEvents Registry, xregistry/spec 1.0-rc4): one message
// group per broker or channel with a CloudEvents message definition per event type (its attributes in
// `envelopemetadata` with `value` and `required`), a schema group beside it with the data's JSON Schemas, and
// an HTTP endpoint per broker or channel that references its message group. What only Knative has (the
// EventType's name, namespace and apiVersion, the reference) travels in labels, so that import gives back the
// same EventTypes.
import {describeGroup, documentGroups, type DocumentGroup, type DocumentInput} from './documents.js'
import {cloudEventAttributes} from './export.js'
import type {JsonSchema} from './schema.js'
import type {RegistryEntry} from './types.js'

export const XREGISTRY_SPEC_VERSION = '1.0-rc4'
export const CLOUDEVENTS_ENVELOPE = 'CloudEvents/1.0'

/** Labels kne writes and reads back (xRegistry label names: lower case, digits, `.`, `-`, `_`). */
export const XREGISTRY_LABELS = {
  eventType: 'kne.eventtype',
  namespace: 'kne.namespace',
  apiVersion: 'kne.apiversion',
  referenceApiVersion: 'kne.reference.apiversion',
  referenceKind: 'kne.reference.kind',
  referenceName: 'kne.reference.name',
  referenceNamespace: 'kne.reference.namespace',
} as const

export type XRegistryObject = Record<string, unknown>

/** The model the document follows: xRegistry's endpoint, message and schema extensions, as kne fills them. */
export const XREGISTRY_MODEL = {
  groups: {
    endpoints: {
      plural: 'endpoints',
      singular: 'endpoint',
      description: 'a broker or channel that producers send CloudEvents to over HTTP',
      resources: {messages: {plural: 'messages', singular: 'message', maxversions: 1}},
    },
    messagegroups: {
      plural: 'messagegroups',
      singular: 'messagegroup',
      description: 'the event types that come through one broker or channel (or, without a reference, one namespace)',
      resources: {messages: {plural: 'messages', singular: 'message', maxversions: 1}},
    },
    schemagroups: {
      plural: 'schemagroups',
      singular: 'schemagroup',
      description: "the JSON Schemas of the events' data, one group per message group",
      resources: {schemas: {plural: 'schemas', singular: 'schema', maxversions: 1}},
    },
  },
} as const

export interface XRegistryOptions {
  /** The URL the document is served at (`self` and `*url` attributes); none for a file. */
  baseUrl?: string
}

/** The registry as one xRegistry document, every collection inlined. */
export function toXRegistry(input: DocumentInput, options: XRegistryOptions = {}): XRegistryObject {
  const groups = documentGroups(input)
  const self = (path: string): Record<string, string> => ({
    xid: path,
    ...(options.baseUrl === undefined ? {} : {self: `${options.baseUrl}${path}`}),
  })
  const messagegroups: Record<string, XRegistryObject> = {}
  const schemagroups: Record<string, XRegistryObject> = {}
  const endpoints: Record<string, XRegistryObject> = {}
  for (const group of groups) {
    const groupPath = `/messagegroups/${group.id}`
    const messages: Record<string, XRegistryObject> = {}
    const schemas: Record<string, XRegistryObject> = {}
    for (const {entry, name, id} of group.entries) {
      const schemaPath = `/schemagroups/${group.id}/schemas/${id}`
      const schema = schemaResource(entry)
      if (schema) schemas[id] = {schemaid: id, versionid: '1', ...self(schemaPath), epoch: 1, ...schema}
      messages[id] = {
        messageid: id,
        versionid: '1',
        ...self(`${groupPath}/messages/${id}`),
        epoch: 1,
        name: entry.type,
        ...(entry.description ? {description: entry.description} : {}),
        labels: messageLabels(entry, name),
        envelope: CLOUDEVENTS_ENVELOPE,
        envelopemetadata: envelopeMetadata(entry),
        ...(schema ? dataSchema(schema, schemaPath, options) : {}),
        ...(contentType(entry) ? {datacontenttype: contentType(entry)} : {}),
      }
    }
    messagegroups[group.id] = {
      messagegroupid: group.id,
      ...self(groupPath),
      epoch: 1,
      name: describeGroup(group),
      description: `Event types that come through ${describeGroup(group)}`,
      ...(group.reference ? {labels: referenceLabels(group)} : {}),
      envelope: CLOUDEVENTS_ENVELOPE,
      ...collection(groupPath, 'messages', messages, options),
    }
    if (Object.keys(schemas).length > 0) {
      const schemaGroupPath = `/schemagroups/${group.id}`
      schemagroups[group.id] = {
        schemagroupid: group.id,
        ...self(schemaGroupPath),
        epoch: 1,
        name: describeGroup(group),
        ...collection(schemaGroupPath, 'schemas', schemas, options),
      }
    }
    if (group.url) {
      endpoints[group.id] = {
        endpointid: group.id,
        ...self(`/endpoints/${group.id}`),
        epoch: 1,
        name: describeGroup(group),
        description: `The HTTP ingress of ${describeGroup(group)}: POST CloudEvents (binary or structured mode)`,
        labels: referenceLabels(group),
        usage: ['producer'],
        envelope: CLOUDEVENTS_ENVELOPE,
        protocol: 'HTTP/1.1',
        protocoloptions: {endpoints: [{uri: group.url}], method: 'POST'},
        messagegroups: [groupPath],
      }
    }
  }
  return {
    specversion: XREGISTRY_SPEC_VERSION,
    registryid: 'kne',
    ...self('/'),
    epoch: 1,
    name: 'kne event registry',
    description: input.broker
      ? `The event types of Broker ${input.broker}, as kne's registry knows them`
      : "The event types of this project, as kne's registry knows them (declared, sent by sources, observed)",
    ...collection('', 'endpoints', endpoints, options),
    ...collection('', 'messagegroups', messagegroups, options),
    ...collection('', 'schemagroups', schemagroups, options),
  }
}

function collection(parent: string, plural: string, items: Record<string, XRegistryObject>, options: XRegistryOptions): XRegistryObject {
  return {
    ...(options.baseUrl === undefined ? {} : {[`${plural}url`]: `${options.baseUrl}${parent}/${plural}`}),
    [`${plural}count`]: Object.keys(items).length,
    [plural]: items,
  }
}

function referenceLabels(group: DocumentGroup): Record<string, string> {
  const r = group.reference
  if (!r) return {[XREGISTRY_LABELS.namespace]: group.namespace}
  return {
    [XREGISTRY_LABELS.referenceApiVersion]: r.apiVersion,
    [XREGISTRY_LABELS.referenceKind]: r.kind,
    [XREGISTRY_LABELS.referenceName]: r.name,
    [XREGISTRY_LABELS.referenceNamespace]: r.namespace,
  }
}

function messageLabels(entry: RegistryEntry, name: string): Record<string, string> {
  const declared = entry.declaredBy[0]
  return {
    [XREGISTRY_LABELS.eventType]: name,
    [XREGISTRY_LABELS.namespace]: entry.namespace,
    ...(declared ? {[XREGISTRY_LABELS.apiVersion]: declared.apiVersion} : {}),
  }
}

/** CloudEvents attributes as xRegistry declares them: `{type, value, required}`; a `{placeholder}` value is a `uritemplate`. */
function envelopeMetadata(entry: RegistryEntry): Record<string, XRegistryObject> {
  const metadata: Record<string, XRegistryObject> = {}
  for (const a of cloudEventAttributes(entry)) {
    const declaration: XRegistryObject = {}
    if (a.template !== undefined) {
      declaration.type = 'uritemplate'
      declaration.value = a.template
    } else if (a.value !== undefined) declaration.value = a.value
    declaration.required = a.required
    metadata[a.name] = declaration
  }
  return metadata
}

function contentType(entry: RegistryEntry): string | undefined {
  return entry.attributes.find((a) => a.name === 'datacontenttype')?.value
}

/** The data's schema as a schema resource: a JSON Schema with its format, or declared schemaData that is not one, as text. */
function schemaResource(entry: RegistryEntry): XRegistryObject | undefined {
  if (entry.schema) return {format: jsonSchemaFormat(entry.schema), schema: entry.schema}
  if (entry.schemaText !== undefined) return {schema: entry.schemaText}
  return undefined
}

/** The message's link to its schema: the xid, and where a server serves the document, the schema's self URL as `dataschemauri` (the spec requires the two to agree). */
function dataSchema(schema: XRegistryObject, schemaPath: string, options: XRegistryOptions): XRegistryObject {
  return {
    ...(schema.format === undefined ? {} : {dataschemaformat: schema.format}),
    ...(schema.format === undefined || options.baseUrl === undefined ? {} : {dataschemauri: `${options.baseUrl}${schemaPath}`}),
    dataschemaxid: schemaPath,
  }
}

/** xRegistry's name for a JSON Schema's dialect (`JsonSchema/draft-07`, `JsonSchema/draft/2020-12`); 2020-12 when it names none. */
export function jsonSchemaFormat(schema: JsonSchema): string {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : ''
  if (dialect.includes('draft-04')) return 'JsonSchema/draft-04'
  if (dialect.includes('draft-06')) return 'JsonSchema/draft-06'
  if (dialect.includes('draft-07')) return 'JsonSchema/draft-07'
  if (dialect.includes('2019-09')) return 'JsonSchema/draft/2019-09'
  return 'JsonSchema/draft/2020-12'
}

// ---------------------------------------------------------------------------------------------------
// Serving the document (GET /_kne/v1/xregistry/...)

const COLLECTIONS: Record<string, string | undefined> = {endpoints: 'messages', messagegroups: 'messages', schemagroups: 'schemas'}

/**
 * One path of the document as an xRegistry server answers it: the registry, `/model`, a group collection, a
 * group, a resource collection or a resource. Nested collections are given by count and URL unless `inline`.
 */
export function xregistryPath(
  document: XRegistryObject,
  path: string,
  inline: boolean,
): {status: 200; body: unknown} | {status: 404; body: {error: string}} {
  const segments = path.split('/').filter((s) => s !== '')
  const notFound = {status: 404 as const, body: {error: `the registry has no ${JSON.stringify(`/${segments.join('/')}`)}`}}
  if (segments.length === 0) return {status: 200, body: inline ? document : withoutCollections(document)}
  if (segments.length === 1 && segments[0] === 'model') return {status: 200, body: XREGISTRY_MODEL}
  const [groups, groupId, resources, resourceId, ...rest] = segments
  const groupPlural = groups!
  if (!(groupPlural in COLLECTIONS) || rest.length > 0) return notFound
  const groupMap = document[groupPlural] as Record<string, XRegistryObject>
  if (groupId === undefined) return {status: 200, body: mapValues(groupMap, (g) => (inline ? g : withoutCollections(g)))}
  const group = own(groupMap, groupId)
  if (!group) return notFound
  if (resources === undefined) return {status: 200, body: inline ? group : withoutCollections(group)}
  if (resources !== COLLECTIONS[groupPlural] || !(resources in group)) return notFound
  const resourceMap = group[resources] as Record<string, XRegistryObject>
  if (resourceId === undefined) return {status: 200, body: resourceMap}
  const resource = own(resourceMap, resourceId)
  return resource ? {status: 200, body: resource} : notFound
}

function own(map: Record<string, XRegistryObject>, key: string): XRegistryObject | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined
}

function mapValues(map: Record<string, XRegistryObject>, f: (v: XRegistryObject) => XRegistryObject): Record<string, XRegistryObject> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, f(v)]))
}

/** An object without its nested collections (their `*url` and `*count` stay), as xRegistry answers without ?inline. */
function withoutCollections(object: XRegistryObject): XRegistryObject {
  return Object.fromEntries(
    Object.entries(object).filter(([key]) => !(`${key}count` in object && typeof object[key] === 'object' && !Array.isArray(object[key]))),
  )
}
