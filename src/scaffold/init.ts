// kne init: a project folder with kne.yaml, a manifests folder holding a `default` Broker and an example
// Trigger, and a README note. Files that exist are kept as they are: init never overwrites anything.
import {appendFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs'
import {basename, isAbsolute, join, normalize, relative, resolve} from 'node:path'
import {EXIT, KneError} from '../core/errors.js'
import {KINDS, manifestFileName} from '../core/manifests/index.js'
import {DEFAULT_PERSIST_DIR, DEFAULT_PORT, parseProjectConfig, PROJECT_FILE, type ProjectConfig} from '../core/project.js'
import {namespaceProblem} from '../core/resources/parse.js'
import {formatManifestError} from '../core/resources/types.js'
import {readManifestText} from '../project/manifests.js'
import {buildBroker, buildTrigger} from './builders.js'
import {writeNewFile} from './write-file.js'
import {renderText, toYaml} from './templates.js'
import {findEntry, readWorkspace} from './workspace.js'

/** Where the example trigger's subscriber listens: `kne sink`'s default port. */
export const EXAMPLE_SINK_URL = 'http://127.0.0.1:8081'
export const EXAMPLE_SERVICE = 'event-display'

export interface InitOptions {
  /** The project folder (created when missing). */
  dir: string
  namespace?: string
  port?: number
  /** The manifests folder, relative to the project. */
  manifests?: string
  cwd?: string
}

export interface InitResult {
  dir: string
  /** Files written, relative to `dir`. */
  created: string[]
  /** Files that existed and got a line added (.gitignore), relative to `dir`. */
  updated: string[]
  /** Files (or resources) that existed and were left alone, relative to `dir`. */
  kept: string[]
  config: ProjectConfig
  /** What the user should know about a kept kne.yaml (e.g. the example's service is not mapped). */
  notes: string[]
}

export function initProject(options: InitOptions): InitResult {
  const dir = resolve(options.cwd ?? process.cwd(), options.dir)
  const namespace = options.namespace ?? 'default'
  const nsProblem = namespaceProblem(namespace)
  if (nsProblem) throw new KneError(nsProblem, 'INVALID_NAMESPACE', EXIT.usage)
  const manifests = options.manifests ?? 'knative'
  if (manifests === '' || isAbsolute(manifests) || normalize(manifests).startsWith('..')) {
    throw new KneError(`--manifests ${manifests}: expected a folder inside the project, such as knative`, 'INVALID_FLAG', EXIT.usage)
  }
  const created: string[] = []
  const kept: string[] = []
  const updated: string[] = []
  const write = (relativePath: string, text: string): void => {
    mkdirSync(join(dir, relativePath, '..'), {recursive: true})
    if (writeNewFile(join(dir, relativePath), text)) created.push(relativePath)
    else kept.push(relativePath)
  }

  const port = options.port ?? DEFAULT_PORT
  const configFile = join(dir, PROJECT_FILE)
  if (!existsSync(configFile)) {
    write(PROJECT_FILE, renderText(`project/${PROJECT_FILE}`, {namespace, manifests, port, sinkUrl: EXAMPLE_SINK_URL}))
  } else {
    kept.push(PROJECT_FILE)
  }
  // an existing kne.yaml decides where the manifests go and which namespace they are in
  const read = readManifestText(configFile)
  if ('error' in read) {
    throw new KneError(`${configFile}: ${read.error}`, 'INVALID_PROJECT', EXIT.invalid, [
      `remove it, or make it a ${PROJECT_FILE} kne can read, and run kne init again`,
    ])
  }
  const {config, errors} = parseProjectConfig(read.text, configFile)
  if (errors.length > 0) {
    throw new KneError(`${errors.length} problem(s) in ${configFile}`, 'INVALID_PROJECT', EXIT.invalid).withDetails(
      errors.map(formatManifestError),
    )
  }

  const workspace = readWorkspace({
    cwd: dir,
    configFile,
    config,
    manifestsDir: join(dir, config.manifests),
    namespace: config.namespace,
    explicitNamespace: false,
  })
  const exampleFile = (kind: 'Broker' | 'Trigger', name: string, header: string, yaml: () => string): void => {
    const existing = findEntry(workspace, kind, config.namespace, name)
    if (existing) kept.push(relative(dir, existing.file))
    else write(join(config.manifests, manifestFileName(KINDS[kind].kind, name)), `${header}${yaml()}`)
  }
  const brokerUrl = `http://127.0.0.1:${config.port}/${config.namespace}/default`
  exampleFile(
    'Broker',
    'default',
    [
      `# The broker your apps send events to. kne dev serves it at ${brokerUrl}`,
      '# (point K_SINK there); in a cluster Knative gives it an address of its own.',
      '',
    ].join('\n'),
    () => toYaml(buildBroker({name: 'default'})),
  )
  exampleFile(
    'Trigger',
    EXAMPLE_SERVICE,
    [
      `# Delivers every event that reaches the default broker to the ${EXAMPLE_SERVICE} Service. kne.yaml maps that`,
      `# Service to a local URL (${EXAMPLE_SINK_URL}, where \`kne sink\` listens). To deliver only some events, add`,
      '#   filter:',
      '#     attributes:',
      '#       type: com.example.hello',
      '# or create another trigger: kne trigger create NAME --filter type=com.example.hello --sink ksvc:NAME',
      '',
    ].join('\n'),
    () => toYaml(buildTrigger({name: EXAMPLE_SERVICE, broker: 'default', sink: `ksvc:${EXAMPLE_SERVICE}`})),
  )

  if (!existsSync(join(dir, 'README.md'))) {
    write(
      'README.md',
      renderText('project/README.md', {
        name: basename(dir),
        manifests: config.manifests,
        port: config.port,
        namespace: config.namespace,
        sinkUrl: EXAMPLE_SINK_URL,
        sendNamespace: config.namespace === 'default' ? '' : ` -n ${config.namespace}`,
      }),
    )
  } else {
    kept.push('README.md')
  }
  // the event log (kne dev --persist) is the machine's own history, not the project's
  const ignore = join(dir, '.gitignore')
  const ignored = existsSync(ignore) ? readFileSync(ignore, 'utf8') : undefined
  if (ignored === undefined) write('.gitignore', `${GITIGNORE_ENTRY}\n`)
  else if (ignoresPersistDir(ignored)) kept.push('.gitignore')
  else {
    appendFileSync(ignore, `${ignored === '' || ignored.endsWith('\n') ? '' : '\n'}${GITIGNORE_ENTRY}\n`)
    updated.push('.gitignore')
  }
  const notes =
    config.services[EXAMPLE_SERVICE] === undefined
      ? [
          `kne.yaml maps no URL for ${EXAMPLE_SERVICE}: add \`services: {${EXAMPLE_SERVICE}: ${EXAMPLE_SINK_URL}}\` so the example trigger is Ready`,
        ]
      : []
  return {dir, created, updated, kept, config, notes}
}

/** The line kne init adds to .gitignore: the event log's default folder. */
export const GITIGNORE_ENTRY = `/${DEFAULT_PERSIST_DIR}/`

/** Whether a .gitignore already leaves out the event log's folder (as .kne, .kne/, /.kne or /.kne/). */
function ignoresPersistDir(text: string): boolean {
  return text.split(/\r?\n/).some((line) => line.trim().replace(/^\//, '').replace(/\/$/, '') === DEFAULT_PERSIST_DIR)
}
