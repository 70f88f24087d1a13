// The flags kne's commands share, and the flag types that check their values as oclif parses them: a bad
// duration, size, sink or KEY=VALUE fails before the command runs (exit 2, with the flag's help).
import {Flags} from '@oclif/core'
import {parseAge, parseHumanDuration, parseIsoDuration} from '../core/delivery/duration.js'
import {parseHttpDate} from '../core/delivery/policy.js'
import {isoDuration} from '../core/manifests/delivery.js'
import {parseKeyValues} from '../core/manifests/flags.js'
import {parseServiceFlags} from '../core/service-flags.js'
import {parseByteQuantity} from '../core/quantity.js'
import {parseSink} from '../core/sink.js'
import {KneError} from '../core/errors.js'

/** oclif prefixes the message with the flag's name; the KneError gives exit 2 and the code INVALID_FLAG. */
const invalid = (message: string): KneError => new KneError(message, 'INVALID_FLAG')

/** Milliseconds of a duration: 15s, 500ms, 2m, 1h, a number of seconds, or ISO-8601 (PT0.2S). */
function durationMs(text: string): number | undefined {
  return parseHumanDuration(text) ?? parseIsoDuration(text)
}

/** A duration, parsed to milliseconds: 15s, 500ms, 2m, 1h, a number of seconds, or ISO-8601 (PT15S). */
export const durationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  async parse(input) {
    const ms = durationMs(input)
    if (ms === undefined || ms < 0) throw invalid(`${input}: expected a duration such as 15s, 500ms, 2m or PT15S`)
    return ms
  },
})

/** A duration as Knative's DeliverySpec writes it (ISO-8601, PT0.2S); 200ms or 2s are turned into ISO-8601. */
export const isoDurationFlag = Flags.custom<string>({
  helpValue: '<duration>',
  async parse(input) {
    const iso = isoDuration(input)!
    const ms = parseIsoDuration(iso)
    if (ms === undefined || ms < 0) throw invalid(`${input}: expected an ISO-8601 duration such as PT0.2S (or 200ms, 2s)`)
    return iso
  },
})

/** A size in bytes as Kubernetes writes quantities: 64Mi, 512Ki, 1Gi, or a number of bytes. */
export const byteSizeFlag = Flags.custom<number>({
  helpValue: '<size>',
  async parse(input) {
    const bytes = parseByteQuantity(input)
    if (bytes === undefined || bytes === 0) throw invalid(`${input}: expected a size in bytes such as 64Mi, 512Ki or 1048576`)
    return bytes
  },
})

/** A bound of the event log: a size (256Mi, 1Gi) or an age (12h, 7d). */
export const logBoundFlag = Flags.custom<{bytes: number} | {ageMs: number}>({
  helpValue: '<size|age>',
  async parse(input) {
    const bytes = parseByteQuantity(input)
    if (bytes !== undefined && bytes > 0) return {bytes}
    const ageMs = parseAge(input)
    if (ageMs !== undefined && ageMs > 0) return {ageMs}
    throw invalid(`${input}: expected a size (256Mi, 1Gi) or an age (12h, 7d)`)
  },
})

/** A share from 0 to 1, such as 0.3. */
export const fractionFlag = Flags.custom<number>({
  helpValue: '<0..1>',
  async parse(input) {
    if (!/^(?:0|1|0?\.\d+|1\.0*)$/.test(input)) throw invalid(`${input}: expected a number from 0 to 1, such as 0.3`)
    return Number(input)
  },
})

/** A Retry-After header value: seconds, or an HTTP-date. */
export const retryAfterFlag = Flags.custom<string>({
  helpValue: '<seconds|http-date>',
  async parse(input) {
    if (!/^\d+$/.test(input) && parseHttpDate(input) === undefined)
      throw invalid(`${input}: expected seconds (5) or an HTTP-date (Wed, 21 Oct 2026 07:28:00 GMT)`)
    return input
  },
})

const SINK_EXAMPLES = 'e.g. ksvc:event-display, broker:default, channel:orders:shop, svc:receiver or http://127.0.0.1:8081'

/** A destination in kn's sink grammar (broker:NAME, channel:NAME, ksvc:NAME, svc:NAME, each [:NAMESPACE], or a URL), checked and kept as written. */
export const destinationFlag = Flags.custom<string>({
  helpValue: '<sink>',
  async parse(input) {
    const parsed = parseSink(input)
    if (!parsed.ok) throw invalid(`${parsed.error}; ${SINK_EXAMPLES}`)
    return input
  },
})

/** A `KEY=VALUE` pair (repeatable), checked and kept as written; the command reads the pairs into a map. */
export const keyValueFlag = Flags.custom<string>({
  helpValue: '<key>=<value>',
  multiple: true,
  async parse(input, _context, flag) {
    parseKeyValues([input], `--${flag.name}`)
    return input
  },
})

/** A Service's local URL for --service: NAME=URL or NAMESPACE/NAME=URL (repeatable). */
export const serviceFlag = Flags.custom<string>({
  helpValue: '<name>=<url>',
  multiple: true,
  async parse(input) {
    const {error} = parseServiceFlags([input])
    if (error) throw invalid(error)
    return input
  },
})

export const namespaceFlag = Flags.string({
  char: 'n',
  description: "namespace [default: kne.yaml's namespace, else default]",
  env: 'KNE_NAMESPACE',
})

/** Where a mesh's locator, stop request and log file live, so that meshes of parallel jobs do not collide. */
export const stateDirFlag = Flags.string({
  description: "folder of the mesh's locator, stop request and (with kne dev --detach) log file [default: kne's data dir]",
  env: 'KNE_STATE_DIR',
})

export const configFlag = Flags.string({description: 'path to kne.yaml [default: ./kne.yaml, or beside the manifests]'})

/** Where a scaffolding command finds its project. */
export const projectFlags = {
  namespace: namespaceFlag,
  dir: Flags.string({description: "manifests folder [default: kne.yaml's manifests folder, else ./knative]"}),
  config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml]'}),
}

/** -o, as kubectl and kn take it; it cannot be combined with --json (exit 2). */
export function outputFlag(description: string, options: string[] = ['yaml', 'json']) {
  return Flags.string({char: 'o', options, description: `${description} (not with --json)`})
}

export const createFlags = {
  ...projectFlags,
  force: Flags.boolean({description: 'replace the resource if it already exists'}),
  'dry-run': Flags.boolean({description: 'print the manifest and write nothing'}),
  output: outputFlag('print the manifest written, in this format'),
}

export const sinkFlag = destinationFlag({
  char: 's',
  description: 'where events go: ksvc:NAME, svc:NAME, broker:NAME, channel:NAME (each with :NAMESPACE optional) or an http(s) URL',
})

export const ceOverrideFlag = keyValueFlag({description: 'extension KEY=VALUE set on every event the source sends (repeatable)'})

export const deliveryFlags = {
  'dl-sink': destinationFlag({description: 'dead-letter sink for events that cannot be delivered (sink grammar, as --sink)'}),
  retry: Flags.integer({min: 0, description: 'retries after the first attempt'}),
  'backoff-policy': Flags.string({options: ['linear', 'exponential'], description: 'how the delay between retries grows'}),
  'backoff-delay': isoDurationFlag({description: 'base delay between retries, ISO-8601 (PT0.2S; 200ms is turned into PT0.2S)'}),
  timeout: isoDurationFlag({description: 'timeout of each delivery attempt, ISO-8601 (PT5S; 5s is accepted)'}),
  'retry-after-max': isoDurationFlag({
    description: 'upper bound on Retry-After waits, ISO-8601 (Knative: needs the delivery-retryafter feature)',
  }),
}

/** -f, as kne validate and export take it: list and describe read these manifests instead of the running mesh. */
export const filenameFlag = Flags.string({
  char: 'f',
  multiple: true,
  description: 'read these manifest files or folders (repeatable) [default: what the running kne dev runs, else the manifests folder]',
})

export const listFlags = {
  ...projectFlags,
  filename: filenameFlag,
  'all-namespaces': Flags.boolean({char: 'A', description: 'list resources of every namespace'}),
  'no-headers': Flags.boolean({description: 'print the table without its header row'}),
  output: outputFlag('print the resources (with live status) in this format'),
}

export const describeFlags = {
  ...projectFlags,
  filename: filenameFlag,
  output: outputFlag('print the resource (with live status) in this format'),
}

export const sourceKindFlag = Flags.string({
  description: 'only sources of this kind: ping, container, binding, apiserver, or any source Kind (e.g. KafkaSource)',
})

/** Flags the registry commands share: where the manifests are, and whether to ask a running mesh. */
export const registryFlags = {
  filename: Flags.string({
    char: 'f',
    multiple: true,
    description:
      "read these manifest files or folders (repeatable) [default: what the running kne dev runs, else kne.yaml's manifests folder]",
  }),
  config: configFlag,
  namespace: Flags.string({char: 'n', description: 'only this namespace [default: every namespace]', env: 'KNE_NAMESPACE'}),
  offline: Flags.boolean({description: 'do not ask a running kne dev: the manifests alone, without what it runs and observed'}),
}

/** The client options the shared registry flags give. */
export function registryOptions(
  flags: {filename?: string[]; config?: string; offline?: boolean},
  dataDir: string,
): {files: string[]; config?: string; dataDir: string; live: boolean} {
  return {files: flags.filename ?? [], config: flags.config, dataDir, live: !flags.offline}
}
