import {join, resolve} from 'node:path'
import {Errors, Flags} from '@oclif/core'
import {byteSizeFlag, durationFlag, KneCommand, logBoundFlag, prose, serviceFlag, stateDirFlag} from '../cli/index.js'
import {PERSIST_SYNC_MODES, type PersistConfig, type PersistSync} from '../core/project.js'
import {VALIDATION_MODES, type ValidationMode} from '../core/registry/violations.js'
import type {RestoreReport} from '../mesh/event-log/restore.js'
import {ActivityPrinter} from '../client/activity-printer.js'
import {removeLocator, takeStopRequest, writeLocator} from '../client/locator.js'
import {LOG_FILE_ENV, startDetached, type DetachedMesh} from '../client/detach.js'
import {colors, describeDelivery, formatMs, unfinishedFate} from '../client/render.js'
import {consoleUrl} from '../core/api.js'
import {EXIT} from '../core/errors.js'
import {exposedWarning} from '../core/hosts.js'
import {describeResource, manifestErrorFormatter} from '../core/resources/types.js'
import {startDev, watchDev} from '../mesh/dev.js'
import {prefixedLine} from '../mesh/processes.js'
import {describeSources} from '../kinds/sources/runtime/report.js'
import {describeReload, type ManifestWatcher} from '../mesh/watch.js'
import {renderTopology} from '../client/render-status.js'

export default class Dev extends KneCommand<typeof Dev> {
  // its --json output is a stream of records
  static override jsonErrorsOnStderr = true
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.invalid, EXIT.unreachable, EXIT.timeout, EXIT.interrupted]
  static override exitCodeMeanings = {
    [EXIT.unreachable]: '--detach: the mesh exited before it was Ready, without saying why',
    [EXIT.timeout]: '--detach: the mesh was not Ready in --wait-timeout',
  }
  static override summary = 'Run the in-memory event mesh: brokers, triggers and sources from your Knative manifests, on your laptop.'
  static override description = prose`Loads Knative manifests from files or folders and serves each broker's ingress at
http://<host>:<port>/<namespace>/<broker>, the path Knative's broker-ingress uses, so an app whose K_SINK points
there works unchanged. Without -f it loads the manifests folder named in kne.yaml, or serves one broker
"default" in namespace "default". Every event's path is printed as it happens; while more than 50 activity records a
second arrive, one summary line a second is printed instead (kne tail shows every record; --quiet silences it).
It runs Brokers and Triggers, Channels and InMemoryChannels (at /channels/<namespace>/<name>) with their
Subscriptions, Sequences and Parallels (at /sequences/… and /parallels/…), PingSources (on their schedules), ContainerSources (as local commands),
SinkBindings and ApiServerSources (fed by your manifest edits), and starts the services kne.yaml gives a
command for, restarting them when they exit; their output is printed with their name. Other Knative kinds
load and are checked but have no effect yet (each is reported). Edits to the manifests and kne.yaml are picked up as they are saved: a file that does not
validate is reported and its last good version stays in force (--no-watch turns this off).
Other kne commands find the most recently started mesh through its locator file; KNE_URL overrides it. Ctrl-C stops accepting events,
lets deliveries under way finish (up to --drain-timeout) and reports any that did not.
With --detach it runs in the background, its output (NDJSON, as with --json) in a log file under the state dir, and returns
once the mesh is Ready, printing its URL (or the start-up error, with the exit code kne dev gives); kne status and kne stop
find it there. Give each mesh of a machine its own --state-dir (or KNE_STATE_DIR) and --port 0 so that they do not collide.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -f knative/ --port 8080',
    '<%= config.bin %> <%= command.id %> -f broker.yaml -f triggers/ --service order-processor=http://127.0.0.1:3000',
    '<%= config.bin %> <%= command.id %> --port 0   # any free port; the URL is printed',
    '<%= config.bin %> <%= command.id %> -f knative/ --no-watch   # load once, ignore later edits',
    '<%= config.bin %> <%= command.id %> --host 0.0.0.0   # reachable from containers and other machines: nothing is authenticated',
    '<%= config.bin %> <%= command.id %> --history-bytes 256Mi --max-pending-bytes 16Mi',
    "<%= config.bin %> <%= command.id %> --validate-events reject   # answer 400 to events whose data breaks their EventType's schema",
    '<%= config.bin %> <%= command.id %> --persist   # keep events in .kne/ and resume unfinished deliveries after a restart',
    '<%= config.bin %> <%= command.id %> --persist /tmp/shop-log --persist-sync always --persist-max 1Gi --persist-max 7d',
    '<%= config.bin %> <%= command.id %> --otel-endpoint http://localhost:4318   # spans to Jaeger or an OpenTelemetry collector (OTLP/HTTP)',
    'OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 <%= config.bin %> <%= command.id %>   # the same, from the standard variable',
    'KNE_URL=$(<%= config.bin %> <%= command.id %> --detach -f knative/ --port 0)   # in a script: returns once Ready',
    '<%= config.bin %> <%= command.id %> --detach --port 0 --state-dir .kne-ci --json   # {url, pid, logFile, stateDir}',
  ]
  static override optionalValueFlags = ['persist']
  static override flags = {
    filename: Flags.string({char: 'f', multiple: true, description: 'manifest file or folder (repeatable)'}),
    port: Flags.integer({
      char: 'p',
      min: 0,
      max: 65_535,
      description: 'port to listen on (0 picks a free one) [default: kne.yaml port, else 8080]',
      env: 'KNE_PORT',
    }),
    host: Flags.string({
      default: '127.0.0.1',
      description:
        'interface to bind (loopback by default); requests must name it, localhost or 127.0.0.1 in their Host header, except with 0.0.0.0 (any name; nothing is authenticated)',
    }),
    service: serviceFlag({description: 'local URL of a Service that subscribers refer to: NAME=URL or NAMESPACE/NAME=URL (repeatable)'}),
    config: Flags.string({description: 'path to kne.yaml [default: ./kne.yaml, or beside the manifests]'}),
    'drain-timeout': durationFlag({
      default: 10_000,
      defaultHelp: async () => '10s',
      description: 'on Ctrl-C, SIGTERM or kne stop, how long deliveries under way may take to finish',
    }),
    history: Flags.integer({default: 5000, min: 1, description: 'activity records kept for kne tail --history'}),
    'history-bytes': byteSizeFlag({
      default: 64 * 1024 ** 2,
      defaultHelp: async () => '64Mi',
      description: 'bytes of activity records kept (a quantity: 512Ki, 64Mi, 1Gi); the oldest go first',
    }),
    'max-pending': Flags.integer({
      default: 10_000,
      min: 1,
      description: 'events an asynchronous broker may hold undelivered before its ingress answers 429',
      env: 'KNE_MAX_PENDING',
    }),
    'max-pending-bytes': byteSizeFlag({
      default: 64 * 1024 ** 2,
      defaultHelp: async () => '64Mi',
      description: 'bytes of events (data and attributes) an asynchronous broker may hold undelivered before its ingress answers 429',
      env: 'KNE_MAX_PENDING_BYTES',
    }),
    persist: Flags.string({
      helpValue: '[DIR]',
      description:
        'keep every event and its path in a log folder, and on start resume the deliveries a stop or a crash cut short [default folder: .kne beside kne.yaml]',
    }),
    'persist-sync': Flags.string({
      options: [...PERSIST_SYNC_MODES],
      description:
        'batch: each record written at once, synced to disk every 100 ms; always: each record synced before kne goes on [default: batch]',
    }),
    'persist-max': logBoundFlag({
      multiple: true,
      description: 'bound of the log, a size (256Mi) or an age (7d); the oldest segments go first [default: 256Mi]',
    }),
    'otel-endpoint': Flags.string({
      helpValue: 'URL',
      description:
        'export traces over OTLP/HTTP to this collector (its base URL: /v1/traces is appended) [default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT, else kne.yaml otel.endpoint; none: no export, trace context still propagated]',
    }),
    detach: Flags.boolean({
      description: 'run in the background, output to a log file, and return once the mesh is Ready (kne stop stops it)',
    }),
    'wait-timeout': durationFlag({
      default: 30_000,
      defaultHelp: async () => '30s',
      description: 'with --detach, how long to wait for the mesh to be Ready before stopping it (exit 6)',
    }),
    'state-dir': stateDirFlag,
    'validate-events': Flags.string({
      options: [...VALIDATION_MODES],
      description:
        "check events at ingress against their type's declared JSON Schema: warn records violations, reject answers 400 [default: kne.yaml's registry.validate, else off]",
    }),
    quiet: Flags.boolean({char: 'q', description: 'do not print activity, only start-up and shutdown'}),
    watch: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'reload the manifests and kne.yaml when they change (--no-watch: load once)',
    }),
  }

  async run(): Promise<DetachedMesh | void> {
    const stateDir = resolve(this.flags['state-dir'] ?? this.config.dataDir)
    if (this.flags.detach) {
      const detached = await startDetached({
        runScript: join(this.config.root, 'bin', 'run.js'),
        argv: this.argv,
        stateDir,
        waitTimeoutMs: this.flags['wait-timeout'],
      })
      this.log(detached.url)
      this.note(`kne dev is running in the background (pid ${detached.pid}); its output goes to ${detached.logFile}; kne stop stops it`)
      return detached
    }
    const logFile = process.env[LOG_FILE_ENV]
    delete process.env[LOG_FILE_ENV] // not passed on to the services kne dev starts
    const drainTimeout = this.flags['drain-timeout']
    const historyBytes = this.flags['history-bytes']
    const maxPendingBytes = this.flags['max-pending-bytes']
    const json = this.jsonEnabled()
    const c = colors()
    const printer = new ActivityPrinter({
      write: (text) => process.stdout.write(text),
      writeError: (text) => process.stderr.write(text),
      colors: c,
      json,
    })
    const out = (line: string): void => printer.line(line)
    const err = (line: string): void => printer.error(line)
    const session = await startDev({
      files: this.flags.filename ?? [],
      config: this.flags.config,
      port: this.flags.port,
      host: this.flags.host,
      services: this.flags.service,
      historyLimit: this.flags.history,
      historyBytes,
      maxPendingEvents: this.flags['max-pending'],
      maxPendingBytes,
      persist: {dir: this.flags.persist, sync: this.flags['persist-sync'] as PersistSync | undefined, bounds: this.flags['persist-max']},
      otelEndpoint: this.flags['otel-endpoint'],
      validateEvents: this.flags['validate-events'] as ValidationMode | undefined,
      log: err,
      output: json
        ? (record) => out(JSON.stringify({kind: 'output', ...record}))
        : (record) => (record.stream === 'stdout' ? out : err)(prefixedLine(record)),
    })
    const {mesh} = session
    // Signals are handled from here on, also while the watcher is still starting after the Ready line
    const started: {watcher?: ManifestWatcher} = {}
    let stopping = false
    const stopped = new Promise<void>((resolve, reject) => {
      const stop = (signal: NodeJS.Signals): void => {
        stopping = true
        process.once(signal, () => {
          printer.close()
          reject(new Errors.ExitError(EXIT.interrupted)) // a second Ctrl-C gives up at once
        })
        const drainMs = takeStopRequest(stateDir, mesh.url) ?? drainTimeout
        if (!json) err(`\n${signal}: stopping; waiting up to ${formatMs(drainMs)} for ${mesh.runtime.inFlightCount} deliveries under way`)
        ;(started.watcher ? started.watcher.close() : Promise.resolve())
          .then(() => mesh.close({drainTimeoutMs: drainMs}))
          .then(
            (report) => {
              removeLocator(stateDir, mesh.url)
              printer.close()
              for (const u of report.unfinished) err(`not finished: ${describeDelivery(u)}: ${unfinishedFate(report.resumable)}`)
              if (json) out(JSON.stringify({kind: 'stopped', unfinished: report.unfinished, resumable: report.resumable}))
              else err(`kne dev stopped (${report.unfinished.length} unfinished deliveries)`)
              printer.flush()
              resolve()
            },
            (error: unknown) => {
              printer.close()
              err(`error while stopping: ${(error as Error).message}`)
              resolve()
            },
          )
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    const exposed = exposedWarning(this.flags.host)
    if (exposed) err(`warning: ${exposed}`)
    for (const w of session.manifests.warnings) err(`warning: ${manifestErrorFormatter(process.cwd())(w)}`)
    for (const s of session.servicesNotListening)
      err(`warning: service ${s.name} is not listening on ${s.url} (${s.reason}); Ready without it`)
    const others = writeLocator(stateDir, {
      version: this.config.version,
      pid: process.pid,
      url: mesh.url,
      startedAt: mesh.startedAt.toISOString(),
      ...(logFile ? {logFile} : {}),
      drainTimeoutMs: drainTimeout,
    })
    for (const other of others) {
      err(
        `warning: another kne mesh is running at ${other.url} (pid ${other.pid}); kne commands now use this one, the most recent, unless KNE_URL points at the other`,
      )
    }
    if (json)
      out(
        JSON.stringify({
          kind: 'ready',
          url: mesh.url,
          status: mesh.status(),
          services: mesh.sources.localServiceStatus(),
          notEmulated: session.notEmulated.map(describeResource),
          persist: session.persist && {dir: session.persist.dir, restored: mesh.restored},
          ...(mesh.tracing.exportUrl === undefined ? {} : {traces: mesh.tracing.exportUrl}),
        }),
      )
    else {
      for (const line of renderTopology(mesh.status(), session.paths, c)) out(line)
      for (const line of describeSources(mesh.sources.status(), mesh.sources.localServiceStatus())) out(line)
      if (session.persist) out(describePersist(session.persist, mesh.restored))
      if (mesh.tracing.exportUrl !== undefined) out(`  Traces     ${mesh.tracing.exportUrl}  (OTLP/HTTP; docs/observability.md)`)
      out(`  Console    ${consoleUrl(mesh.url)}`)
      out(c.green(`Ready on ${mesh.url}`))
    }
    printer.flush()
    const watcher = this.flags.watch
      ? await watchDev(session, (event) => {
          if (json) return out(JSON.stringify(event))
          const lines = describeReload(event)
          out(event.problems.length > 0 ? c.yellow(lines.summary) : lines.summary)
          for (const line of [...lines.problems, ...lines.notes]) err(`  ${line}`)
        })
      : undefined
    started.watcher = watcher
    if (stopping) await watcher?.close()
    else if (watcher && !json) out(c.dim('Watching the manifests for changes (--no-watch to turn off)'))
    if (!this.flags.quiet && !stopping) {
      mesh.journal.subscribe((record) => printer.activity(record))
    }
    await stopped
  }
}

/** The start-up line about the event log: where, how it syncs, and what a restart took back from it. */
function describePersist(persist: PersistConfig, restored: RestoreReport | undefined): string {
  const taken =
    restored === undefined || restored.records === 0
      ? 'empty'
      : `${restored.records} records restored, ${restored.deliveries} deliveries resumed${restored.skipped ? `, ${restored.skipped} records skipped` : ''}`
  return `  Event log  ${persist.dir}  (${persist.sync ?? 'batch'} sync; ${taken})`
}
