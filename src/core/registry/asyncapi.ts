// The registry as an AsyncAPI 3.0 document: the mesh as an HTTP server, a channel per broker or channel at
// its ingress path, one message per event type with the CloudEvents attributes as binary-mode `ce-*` headers
// (required as the registry knows them) and the data's JSON Schema as payload, an example from what the mesh
// saw, and operations: `send` for each producer kne knows, `receive` for each trigger with its filter.
import {binaryModeHeader} from '../codec/http.js'
import type {Trigger} from '../resources/types.js'
import {
  describeGroup,
  documentGroups,
  documentSubscriptions,
  documentTriggers,
  type DocumentGroup,
  type DocumentInput,
} from './documents.js'
import {cloudEventAttributes} from './export.js'
import type {JsonSchema} from './schema.js'
import type {RegistryEntry} from './types.js'
import {hasRole} from '../../kinds/descriptors.js'

export const ASYNCAPI_VERSION = '3.0.0'

type AsyncApiObject = Record<string, unknown>

/** An event goes to a broker or channel as an HTTP POST (AsyncAPI's HTTP operation binding). */
const HTTP_POST = {http: {method: 'POST', bindingVersion: '0.3.0'}}

/** AsyncAPI's keys for channels, operations and messages: letters, digits, `.`, `_` and `-` (its components' rule). */
function asyncApiKey(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 200) || '_'
}

interface Channel {
  key: string
  group: DocumentGroup
  messages: {key: string; entry: RegistryEntry; name: string}[]
}

export function toAsyncApi(input: DocumentInput): AsyncApiObject {
  const url = new URL(input.meshUrl)
  const channels = channelsOf(documentGroups(input))
  const channelObjects: Record<string, AsyncApiObject> = {}
  const operations: Record<string, AsyncApiObject> = {}
  const triggers = documentTriggers(input)
  const subscriptions = documentSubscriptions(input)
  for (const channel of channels) {
    const {group} = channel
    const messages: Record<string, AsyncApiObject> = {}
    for (const m of channel.messages) messages[m.key] = messageObject(m.entry, m.name)
    channelObjects[channel.key] = {
      address: group.url === undefined ? null : new URL(group.url).pathname,
      title: describeGroup(group),
      description: group.url
        ? `The HTTP ingress of ${describeGroup(group)}: POST a CloudEvent (binary or structured mode); it answers 202 when it accepts it.`
        : `Event types declared in ${describeGroup(group)} without a broker or channel: where they are sent is not known.`,
      ...(group.url ? {servers: [{$ref: '#/servers/mesh'}]} : {}),
      messages,
      ...(group.reference ? {'x-kne-reference': group.reference} : {}),
    }
    const ref = (key: string) => ({$ref: `#/channels/${channel.key}/messages/${key}`})
    // send: one operation per producer, with the types it sends here
    const producers = new Map<string, {title: string; key: string; via: Set<string>; keys: string[]}>()
    for (const m of channel.messages) {
      for (const p of m.entry.producers) {
        const id = `${p.kind}/${p.namespace ?? ''}/${p.name}`
        const producer = producers.get(id) ?? {
          title: `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`,
          key: [p.kind, p.namespace, p.name].filter(Boolean).join('.'),
          via: new Set<string>(),
          keys: [],
        }
        producer.via.add(p.via === 'manifest' ? 'its manifest' : 'events the mesh observed')
        producer.keys.push(m.key)
        producers.set(id, producer)
      }
    }
    for (const p of producers.values()) {
      operations[uniqueKey(operations, asyncApiKey(`send.${channel.key}.${p.key}`))] = {
        action: 'send',
        channel: {$ref: `#/channels/${channel.key}`},
        title: `${p.title} sends`,
        description: `${p.title} sends these events to ${describeGroup(group)} (known from ${[...p.via].join(' and ')}).`,
        messages: p.keys.map(ref),
        ...(group.url ? {bindings: HTTP_POST} : {}),
      }
    }
    // receive: every trigger of the broker, with the types its filter matches or may match
    const brokerKey =
      group.reference && hasRole(group.reference, 'broker') ? `${group.reference.namespace}/${group.reference.name}` : undefined
    for (const trigger of triggers.filter((t) => `${t.metadata.namespace}/${t.spec.broker}` === brokerKey)) {
      const key = `${trigger.metadata.namespace}/${trigger.metadata.name}`
      const consumed = channel.messages.filter((m) => m.entry.consumers.some((c) => c.trigger === key))
      const maybe = consumed.filter((m) => m.entry.consumers.find((c) => c.trigger === key)?.verdict === 'may-match')
      operations[uniqueKey(operations, asyncApiKey(`receive.${trigger.metadata.namespace}.${trigger.metadata.name}`))] = {
        action: 'receive',
        channel: {$ref: `#/channels/${channel.key}`},
        title: `Trigger ${key} receives`,
        description: [
          `Trigger ${key} delivers the events its filter accepts to its subscriber. Filter: ${filterText(trigger)}.`,
          maybe.length > 0
            ? `May match (the filter reads attributes the registry does not know): ${maybe.map((m) => m.entry.type).join(', ')}.`
            : '',
          consumed.length === 0 ? 'No known event type passes its filter.' : '',
        ]
          .filter(Boolean)
          .join(' '),
        messages: consumed.map((m) => ref(m.key)),
        'x-kne-filter': filterOf(trigger),
      }
    }
    // a channel's subscriptions receive every event sent to it
    if (group.reference && hasRole(group.reference, 'channel')) {
      const {namespace, kind, name} = group.reference
      for (const subscription of subscriptions.filter(
        (s) => s.metadata.namespace === namespace && s.spec.channel.kind === kind && s.spec.channel.name === name,
      )) {
        const key = `${subscription.metadata.namespace}/${subscription.metadata.name}`
        operations[uniqueKey(operations, asyncApiKey(`receive.${subscription.metadata.namespace}.${subscription.metadata.name}`))] = {
          action: 'receive',
          channel: {$ref: `#/channels/${channel.key}`},
          title: `Subscription ${key} receives`,
          description: `Subscription ${key} delivers every event sent to ${describeGroup(group)} to its subscriber.`,
          messages: channel.messages.map((m) => ref(m.key)),
        }
      }
    }
  }
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: input.broker ? `Broker ${input.broker}` : 'kne event mesh',
      version: '1.0.0',
      description: input.broker
        ? `The CloudEvents that flow through Broker ${input.broker}, as kne's registry knows them (declared EventTypes, sources, observed events).`
        : "The CloudEvents that flow through this project's brokers and channels, as kne's registry knows them (declared EventTypes, sources, observed events).",
    },
    defaultContentType: 'application/json',
    servers: {
      mesh: {
        host: url.host,
        protocol: 'http',
        title: 'kne dev',
        description:
          'The local event mesh (kne dev). In a Knative cluster the same paths are served by the broker ingress and the channel dispatchers.',
      },
    },
    channels: channelObjects,
    operations,
  }
}

/** Channels are brokers and channels; a type that a trigger's subscriber replies with flows into that trigger's broker. */
function channelsOf(groups: DocumentGroup[]): Channel[] {
  const channels = new Map<string, Channel>()
  const brokers = new Map<string, Channel>()
  for (const group of groups) {
    if (!group.reference || group.url) {
      const channel: Channel = {key: asyncApiKey(group.id), group, messages: []}
      channels.set(group.id, channel)
      if (group.reference && hasRole(group.reference, 'broker'))
        brokers.set(`${group.reference.namespace}/${group.reference.name}`, channel)
    }
  }
  for (const group of groups) {
    for (const {entry, name} of group.entries) {
      const channel =
        (entry.broker ? brokers.get(entry.broker) : undefined) ?? channels.get(group.id) ?? referenceless(channels, group.namespace)
      const base = asyncApiKey(entry.type)
      let key = base
      for (let n = 2; channel.messages.some((m) => m.key === key); n++) key = `${base}-${n}`
      channel.messages.push({key, entry, name})
    }
  }
  return [...channels.values()].sort((a, b) => a.key.localeCompare(b.key))
}

function referenceless(channels: Map<string, Channel>, namespace: string): Channel {
  let channel = channels.get(namespace)
  if (!channel) {
    channel = {key: asyncApiKey(namespace), group: {id: namespace, namespace, entries: []}, messages: []}
    channels.set(namespace, channel)
  }
  return channel
}

function messageObject(entry: RegistryEntry, name: string): AsyncApiObject {
  const properties: Record<string, AsyncApiObject> = {}
  const required: string[] = []
  for (const a of cloudEventAttributes(entry)) {
    const header = binaryModeHeader(a.name)
    const schema: AsyncApiObject = {type: 'string', description: `CloudEvents attribute ${a.name}`}
    if (a.value !== undefined) schema.const = a.value
    if (a.template !== undefined) {
      schema.pattern = templatePattern(a.template)
      schema['x-kne-template'] = a.template
    }
    const examples = entry.attributes.find((f) => f.name === a.name)?.examples
    if (a.value === undefined && examples && examples.length > 0) schema.examples = examples.slice(0, 3)
    properties[header] = schema
    if (a.required) required.push(header)
  }
  const contentType = entry.attributes.find((a) => a.name === 'datacontenttype')?.value
  const message: AsyncApiObject = {
    name: entry.type,
    title: entry.type,
    ...(entry.description ? {summary: entry.description} : {}),
    ...(contentType ? {contentType} : {}),
    headers: {type: 'object', properties, required},
  }
  if (entry.schema) message.payload = payloadSchema(entry.schema)
  else if (entry.schemaText !== undefined) message.description = `Data schema (not JSON Schema):\n\n${entry.schemaText}`
  if (entry.example) message.examples = [exampleOf(entry.example, entry.exampleOrigin)]
  message['x-kne-eventtype'] = {name, namespace: entry.namespace, ...(entry.reference ? {reference: entry.reference} : {})}
  if (entry.declaredBy[0]) (message['x-kne-eventtype'] as AsyncApiObject).apiVersion = entry.declaredBy[0].apiVersion
  return message
}

/** The data schema as an AsyncAPI payload: AsyncAPI schemas are JSON Schema draft-07 plus a few keywords, so `$schema` goes. */
function payloadSchema(schema: JsonSchema): JsonSchema {
  const {$schema: _, ...rest} = schema
  return rest
}

/** A JSON-format event as an AsyncAPI message example: its attributes as binary-mode headers, its data as payload. */
function exampleOf(event: Record<string, unknown>, origin: RegistryEntry['exampleOrigin']): AsyncApiObject {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(event)) {
    if (k === 'data' || k === 'data_base64' || v === undefined || v === null) continue
    headers[binaryModeHeader(k)] = typeof v === 'string' ? v : JSON.stringify(v)
  }
  return {
    name: origin ?? 'example',
    summary:
      origin === 'observed'
        ? 'The latest event the mesh saw'
        : origin === 'source'
          ? 'An event its source sends'
          : 'An event made from the schema',
    headers,
    ...('data' in event ? {payload: event.data} : {}),
  }
}

/** A `{placeholder}` template as a regular expression over the values it stands for. */
function templatePattern(template: string): string {
  return `^${template
    .split(/\{[^{}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+')}$`
}

function filterOf(trigger: Trigger): unknown {
  if (trigger.spec.filters && trigger.spec.filters.length > 0) return {filters: trigger.spec.filters}
  if (trigger.spec.filter?.attributes) return {filter: trigger.spec.filter}
  return null
}

/** A trigger's filter in one line: `type=a, source=b` (attributes), the SubscriptionsAPI filters as JSON, or none. */
function filterText(trigger: Trigger): string {
  if (trigger.spec.filters && trigger.spec.filters.length > 0) return `filters ${JSON.stringify(trigger.spec.filters)}`
  const attributes = trigger.spec.filter?.attributes
  if (attributes && Object.keys(attributes).length > 0)
    return Object.entries(attributes)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')
  return 'none (every event)'
}

function uniqueKey(map: Record<string, unknown>, key: string): string {
  let unique = key
  for (let n = 2; unique in map; n++) unique = `${key}-${n}`
  return unique
}
