// The questions kne asks for a missing NAME, --sink, --broker …: choices come from the project (its
// brokers and channels, the services mapped in kne.yaml), and every answer is checked as the flag would be.
import type {KindInfo} from '../core/manifests/index.js'
import {kubernetesNameProblem} from '../core/resources/parse.js'
import {parseSink} from '../core/sink.js'
import type {Choice, Prompter} from './prompts.js'
import type {Workspace} from './workspace.js'
import {modeledKindOf, roleOf} from '../kinds/descriptors.js'
import {channelKind} from '../kinds/messaging/descriptor.js'

export function askName(prompter: Prompter, value: string | undefined, info: KindInfo): Promise<string> {
  return prompter.text(value, {flag: 'NAME', message: `${info.kind} name`, validate: (answer) => kubernetesNameProblem(answer, 'the name')})
}

/** kn's default (`default`), unless a person at a terminal has other brokers to pick from. */
export async function askBroker(prompter: Prompter, value: string | undefined, workspace: Workspace, namespace: string): Promise<string> {
  if (value !== undefined) return value
  const brokers = workspace.entries
    .filter((e) => roleOf(e.kind) === 'broker' && e.namespace === namespace)
    .map((e) => e.name)
    .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)))
  if (!prompter.interactive || brokers.length === 0 || (brokers.length === 1 && brokers[0] === 'default')) return 'default'
  return prompter.choose(undefined, {
    flag: '--broker',
    message: 'Broker the trigger subscribes to',
    choices: brokers.map((b) => ({value: b})),
  })
}

/** Where events go: a known broker, channel or mapped service, or anything in kn's sink grammar. */
export function askSink(
  prompter: Prompter,
  value: string | undefined,
  workspace: Workspace,
  namespace: string,
  exclude?: string,
): Promise<string> {
  return prompter.choose(value, {
    flag: '--sink',
    message: 'Sink (where events go)',
    choices: sinkChoices(workspace, namespace).filter((c) => c.value !== exclude),
    other: {
      name: 'another sink…',
      message: 'Sink (ksvc:NAME, svc:NAME, broker:NAME, channel:NAME[:NAMESPACE] or an http(s) URL)',
      validate: sinkProblem,
    },
  })
}

export function sinkChoices(workspace: Workspace, namespace: string): Choice[] {
  const choices: Choice[] = []
  for (const e of workspace.entries) {
    if (e.namespace !== namespace) continue
    if (roleOf(e.kind) === 'broker') choices.push({value: `broker:${e.name}`, description: e.kind})
    if (modeledKindOf(e.apiVersion, e.kind) === channelKind) choices.push({value: `channel:${e.name}`, description: e.kind})
  }
  for (const [key, url] of Object.entries(workspace.project.config.services)) {
    const [ns, name] = key.includes('/') ? (key.split('/', 2) as [string, string]) : [undefined, key]
    if (ns === undefined || ns === namespace) choices.push({value: `ksvc:${name}`, description: `Service mapped to ${url} in kne.yaml`})
  }
  return choices
}

export function sinkProblem(answer: string): string | undefined {
  const parsed = parseSink(answer)
  return parsed.ok ? undefined : parsed.error
}
