// `kne run`: a local process with the SinkBinding contract (K_SINK, K_CE_OVERRIDES, K_CA_CERTS when the
// sink has CA certs), exactly as Knative injects it into a bound workload. The sink comes from --sink
// (kn's grammar, resolved by the running mesh) or from a SinkBinding in the manifests (--binding).
import {spawn} from 'node:child_process'
import {constants} from 'node:os'
import {request} from './http.js'
import {KneError} from '../core/errors.js'
import {parseCeOverrides} from '../core/manifests/flags.js'
import {isAbsoluteUrl} from '../core/resources/validate.js'
import {formatManifestError, resourceKey, type CloudEventOverrides, type Destination, type SinkBinding} from '../core/resources/types.js'
import {bindingEnvironment} from '../core/sources/binding.js'
import {parseSink} from '../core/sink.js'
import {loadProjectConfig, loadProjectManifests} from '../project/manifests.js'
import {RESOLVE_PATH, type ResolveAnswer} from '../core/api.js'
import {findMesh} from './locator.js'
import {resourcesOf} from '../kinds/descriptors.js'
import {sinkBindingKind} from '../kinds/sources/descriptor.js'

export interface RunOptions {
  /** kn sink text: broker:NAME, ksvc:NAME, channel:NAME, svc:NAME, or a URL. */
  sink?: string
  /** A SinkBinding of the manifests. */
  binding?: string
  namespace?: string
  /** --ce-override KEY=VALUE. */
  ceOverrides?: readonly string[]
  /** Manifest files or folders (-f); without them kne.yaml's manifests folder. */
  files?: readonly string[]
  config?: string
  dataDir: string
  cwd?: string
}

export interface BindingContract {
  /** The environment the command gets on top of kne's own. */
  env: Record<string, string>
  sinkUri: string
  /** Where the sink came from, for the note printed before the command starts. */
  via: string
}

/** Works out K_SINK and K_CE_OVERRIDES for `kne run`; throws a KneError saying what is wrong. */
export async function bindingContract(options: RunOptions): Promise<BindingContract> {
  if ((options.sink === undefined) === (options.binding === undefined)) {
    throw new KneError('give exactly one of --sink and --binding', 'INVALID_FLAG', {
      suggestions: ['kne run --sink broker:default -- node app.js', 'kne run --binding my-binding -- node app.js'],
    })
  }
  const flagOverrides = parseCeOverrides(options.ceOverrides)
  if (options.sink !== undefined) {
    const namespace = options.namespace ?? loadProjectConfig(options.config, [], options.cwd).config.namespace
    const parsed = parseSink(options.sink, namespace)
    if (!parsed.ok) throw new KneError(`--sink ${parsed.error}`, 'INVALID_FLAG')
    const sinkUri = await resolveSink(parsed.destination, namespace, options.dataDir, `--sink ${options.sink}`, 'SINK_UNRESOLVED')
    return {sinkUri, env: bindingEnvironment(sinkUri, flagOverrides), via: options.sink}
  }
  const binding = findBinding(options)
  const {namespace, name} = binding.metadata
  const ceOverrides: CloudEventOverrides | undefined =
    binding.spec.ceOverrides || flagOverrides
      ? {extensions: {...binding.spec.ceOverrides?.extensions, ...flagOverrides?.extensions}}
      : undefined
  const sinkUri = await resolveSink(
    binding.spec.sink,
    namespace,
    options.dataDir,
    `SinkBinding ${namespace}/${name}: spec.sink`,
    'BINDING_SINK_UNRESOLVED',
  )
  return {sinkUri, env: bindingEnvironment(sinkUri, ceOverrides, binding.spec.sink.CACerts), via: `SinkBinding ${namespace}/${name}`}
}

function findBinding(options: RunOptions): SinkBinding {
  const cwd = options.cwd ?? process.cwd()
  const {manifests, namespace, paths} = loadProjectManifests({
    files: options.files ?? [],
    config: options.config,
    namespace: options.namespace,
    cwd,
  })
  const name = options.binding!
  const bindings = resourcesOf(manifests.resources, sinkBindingKind)
  const binding = bindings.find((b) => b.metadata.name === name && b.metadata.namespace === namespace)
  if (binding) return binding
  const problem = manifests.errors.find((e) => e.resource === `SinkBinding ${namespace}/${name}`)
  if (problem) throw new KneError(`SinkBinding ${namespace}/${name} is invalid: ${formatManifestError(problem)}`, 'INVALID_MANIFEST')
  const where = paths.length > 0 ? paths.join(', ') : 'no manifests (pass -f FILE|FOLDER, or run it in a kne project)'
  const known = bindings.map((b) => resourceKey(b.metadata.namespace, b.metadata.name))
  throw new KneError(`sinkbindings.sources.knative.dev "${name}" not found in namespace "${namespace}" (read ${where})`, 'NOT_FOUND', {
    suggestions: known.length > 0 ? [`the manifests define ${known.join(', ')}`] : [],
  })
}

/** A URI needs nothing else; a ref is resolved by the running mesh, as its own sources' sinks are. */
async function resolveSink(
  destination: Destination,
  namespace: string,
  dataDir: string,
  what: string,
  code: 'SINK_UNRESOLVED' | 'BINDING_SINK_UNRESOLVED',
): Promise<string> {
  if (destination.ref === undefined && destination.uri !== undefined && isAbsoluteUrl(destination.uri)) return destination.uri
  const {url} = findMesh(dataDir)
  const query = new URLSearchParams({namespace, destination: JSON.stringify(destination)})
  let status: number
  let body: {uri?: string; error?: string}
  try {
    const response = await request(`${url}${RESOLVE_PATH}?${query}`)
    status = response.statusCode
    body = (await response.body.json()) as ResolveAnswer & {error?: string}
  } catch (error) {
    const err = error as {code?: string; cause?: {code?: string}; message?: string}
    throw new KneError(`cannot reach ${url}: ${err.cause?.code ?? err.code ?? err.message}`, 'MESH_UNREACHABLE', {
      suggestions: ['is `kne dev` running? start it, or check KNE_URL'],
    })
  }
  if (status === 200 && body.uri) return body.uri
  throw new KneError(`${what} does not resolve: ${body.error ?? `HTTP ${status}`}`, code)
}

/**
 * Runs the command with the contract in its environment and its output on kne's own stdout and stderr.
 * SIGINT, SIGTERM and SIGHUP sent to kne are passed on; resolves with the command's exit code (128 + the
 * signal's number when a signal ended it, as a shell reports it).
 */
export function runWithContract(command: readonly string[], env: Record<string, string>, cwd = process.cwd()): Promise<number> {
  return new Promise((resolveCode, reject) => {
    const child = spawn(command[0]!, command.slice(1), {cwd, env: {...process.env, ...env}, stdio: 'inherit'})
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal)
    }
    for (const signal of signals) process.on(signal, forward)
    const done = (): void => {
      for (const signal of signals) process.off(signal, forward)
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      done()
      const notFound = error.code === 'ENOENT'
      // a shell answers 127 for a command it cannot find and 126 for one it cannot run
      reject(
        new KneError(
          `${notFound ? 'command not found' : 'cannot run'}: ${command[0]} (${error.message})`,
          notFound ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED',
        ),
      )
    })
    child.once('exit', (code, signal) => {
      done()
      resolveCode(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1))
    })
  })
}
