// Shared pieces of the channel, sequence and parallel tests: manifests, and subscribers that answer with a
// CloudEvent the way a step or a filter does.
import type {ServerResponse} from 'node:http'
import type {ActivityJson, Mesh} from '../../src/index.js'
import type {Received, Responder} from './subscriber.js'

/** Answers with a binary-mode CloudEvent. */
export function answerEvent(res: ServerResponse, type: string, data: unknown, extra: Record<string, string> = {}): void {
  res
    .writeHead(200, {
      'ce-specversion': '1.0',
      'ce-id': `r-${Math.random().toString(36).slice(2)}`,
      'ce-source': '/test/step',
      'ce-type': type,
      'content-type': 'application/json',
      ...extra,
    })
    .end(JSON.stringify(data))
}

/** A step that appends `label` to the `path` array of the JSON data it gets and replies with it (as `type`, else the same type). */
export function appender(label: string, type?: string): Responder {
  return (req, res) => {
    const data = JSON.parse(req.body.toString() || '{}') as {path?: string[]}
    answerEvent(res, type ?? String(req.headers['ce-type']), {...data, path: [...(data.path ?? []), label]})
  }
}

export function jsonBody(got: Received | undefined): unknown {
  return JSON.parse(got!.body.toString())
}

export function records<K extends ActivityJson['kind']>(mesh: Mesh, kind: K): Extract<ActivityJson, {kind: K}>[] {
  return (mesh.journal.since() as ActivityJson[]).filter((r): r is Extract<ActivityJson, {kind: K}> => r.kind === kind)
}

/**
 * The usual test topology: broker `default` (asynchronous when asked; `delivery` is its spec.delivery as flow
 * YAML) and one trigger `orders` with no filter, delivering to `subscriberUrl`.
 */
export function brokerWithTrigger(subscriberUrl: string, {async = false, delivery}: {async?: boolean; delivery?: string} = {}): string {
  const annotations = async ? '  annotations:\n    messaging.knative.dev/async-handler: "true"\n' : ''
  return `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
${annotations}${delivery ? `spec:\n  delivery: ${delivery}\n` : ''}---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: orders
spec:
  broker: default
  subscriber:
    uri: ${subscriberUrl}
`
}

export const BROKER = 'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n---\n'

export function channel(name: string, extra = '', kind = 'InMemoryChannel'): string {
  return `apiVersion: messaging.knative.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}---\n`
}

/** A Subscription; `fields` are extra spec lines (reply, delivery), indented two spaces. */
export function subscription(name: string, channelName: string, subscriber: string, fields = '', channelKind = 'InMemoryChannel'): string {
  return `apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: ${name}\nspec:\n  channel:\n    apiVersion: messaging.knative.dev/v1\n    kind: ${channelKind}\n    name: ${channelName}\n  subscriber:\n    uri: ${subscriber}\n${fields}---\n`
}

/** A Trigger of broker `default` whose subscriber is a URI or a ref. */
export function trigger(name: string, subscriber: string | {kind: string; apiVersion: string; name: string}, type?: string): string {
  const filter = type ? `  filter:\n    attributes:\n      type: ${type}\n` : ''
  const destination =
    typeof subscriber === 'string'
      ? `    uri: ${subscriber}\n`
      : `    ref:\n      apiVersion: ${subscriber.apiVersion}\n      kind: ${subscriber.kind}\n      name: ${subscriber.name}\n`
  return `apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n  broker: default\n${filter}  subscriber:\n${destination}---\n`
}
