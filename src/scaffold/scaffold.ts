// The create flow of every kind: ask for what is missing (or fail without a TTY), build the manifest
// from its template, validate it with kne's model and write it.
import {KneError} from '../core/errors.js'
import {API_SERVER_MODES, kindInfo, KINDS, type KindInfo, type ScaffoldKind} from '../core/manifests/index.js'
import {sinkDestination} from '../core/manifests/delivery.js'
import {descriptorOf} from '../kinds/descriptors.js'
import {askBroker, askName, askSink} from './ask.js'
import {buildManifest, type KindOptions} from './builders.js'
import {assertCreatable, checkName, createResource, type CreateOptions, type CreateResult} from './create.js'
import type {ProjectContext} from './project.js'
import {Prompter} from './prompts.js'
import {renderManifest} from './templates.js'
import {readWorkspace, type Workspace} from './workspace.js'

export interface ScaffoldContext {
  project: ProjectContext
  prompter?: Prompter
  options?: CreateOptions
}

/** Options as flags give them: the values a prompt can supply may be missing. */
type Input<K extends ScaffoldKind, Asked extends keyof KindOptions[K]> = Omit<KindOptions[K], Asked | 'name' | 'namespace'> &
  Partial<Pick<KindOptions[K], Asked>> & {name?: string}

interface Started {
  workspace: Workspace
  prompter: Prompter
  name: string
  namespace: string
}

async function start(ctx: ScaffoldContext, info: KindInfo, name: string | undefined): Promise<Started> {
  const prompter = ctx.prompter ?? new Prompter()
  const workspace = readWorkspace(ctx.project)
  const asked = await askName(prompter, name, info)
  checkName(info, asked)
  assertCreatable(workspace, info, ctx.project.namespace, asked, ctx.options ?? {})
  return {workspace, prompter, name: asked, namespace: ctx.project.namespace}
}

function finish<K extends ScaffoldKind>(ctx: ScaffoldContext, kind: K, options: KindOptions[K]): CreateResult {
  const namespace = ctx.project.explicitNamespace ? ctx.project.namespace : undefined
  return createResource(ctx.project, KINDS[kind], buildManifest(kind, {...options, namespace}), ctx.options)
}

/**
 * The create flow of a kind whose descriptor brings its template values (a kind added as one module):
 * ask for the name and the descriptor's `asks` when they are missing, render templates/<kind>.yaml, validate
 * and write it.
 */
export async function scaffoldKind(
  kind: string,
  input: {name?: string} & Record<string, unknown>,
  ctx: ScaffoldContext,
): Promise<CreateResult> {
  const scaffold = descriptorOf(kind)?.scaffold
  const info = kindInfo(kind)
  const values = scaffold?.values
  if (info === undefined || values === undefined) throw new KneError(`kne cannot scaffold ${kind}`, 'NOT_SCAFFOLDED')
  const {name, prompter} = await start(ctx, info, input.name)
  const namespace = ctx.project.explicitNamespace ? ctx.project.namespace : undefined
  const asked: Record<string, string> = {}
  for (const {option, flag, message} of scaffold?.asks ?? []) {
    if (input[option] === undefined) asked[option] = await prompter.text(undefined, {flag, message})
  }
  // --sink in kn's grammar reaches the kind's values as a Destination
  const sink = typeof input.sink === 'string' ? {sink: sinkDestination(input.sink)} : {}
  return createResource(
    ctx.project,
    info,
    renderManifest(info.template, values({...input, ...asked, ...sink, name, namespace})),
    ctx.options,
  )
}

export async function scaffoldBroker(input: Input<'Broker', never>, ctx: ScaffoldContext): Promise<CreateResult> {
  const {name} = await start(ctx, KINDS.Broker, input.name)
  return finish(ctx, 'Broker', {...input, name})
}

export async function scaffoldTrigger(input: Input<'Trigger', 'broker' | 'sink'>, ctx: ScaffoldContext): Promise<CreateResult> {
  const {workspace, prompter, name, namespace} = await start(ctx, KINDS.Trigger, input.name)
  const broker = await askBroker(prompter, input.broker, workspace, namespace)
  const sink = await askSink(prompter, input.sink, workspace, namespace, `broker:${broker}`) // its own broker would loop
  return finish(ctx, 'Trigger', {...input, name, broker, sink})
}

export async function scaffoldPingSource(input: Input<'PingSource', 'schedule' | 'sink'>, ctx: ScaffoldContext): Promise<CreateResult> {
  const {workspace, prompter, name, namespace} = await start(ctx, KINDS.PingSource, input.name)
  const schedule = await prompter.text(input.schedule, {
    flag: '--schedule',
    message: 'Schedule (cron, e.g. */2 * * * * for every two minutes)',
    default: '* * * * *',
  })
  const sink = await askSink(prompter, input.sink, workspace, namespace)
  return finish(ctx, 'PingSource', {...input, name, schedule, sink})
}

export async function scaffoldContainerSource(
  input: Input<'ContainerSource', 'image' | 'sink'>,
  ctx: ScaffoldContext,
): Promise<CreateResult> {
  const {workspace, prompter, name, namespace} = await start(ctx, KINDS.ContainerSource, input.name)
  const image = await prompter.text(input.image, {flag: '--image', message: 'Container image that sends events to $K_SINK'})
  const sink = await askSink(prompter, input.sink, workspace, namespace)
  return finish(ctx, 'ContainerSource', {...input, name, image, sink})
}

export async function scaffoldSinkBinding(input: Input<'SinkBinding', 'subject' | 'sink'>, ctx: ScaffoldContext): Promise<CreateResult> {
  const {workspace, prompter, name, namespace} = await start(ctx, KINDS.SinkBinding, input.name)
  const subject = await prompter.text(input.subject, {
    flag: '--subject',
    message: 'Subject (Kind:apiVersion:name or Kind:apiVersion:key=value, e.g. Deployment:apps/v1:myapp)',
  })
  const sink = await askSink(prompter, input.sink, workspace, namespace)
  return finish(ctx, 'SinkBinding', {...input, name, subject, sink})
}

export async function scaffoldApiServerSource(
  input: Input<'ApiServerSource', 'resource' | 'sink'>,
  ctx: ScaffoldContext,
): Promise<CreateResult> {
  const {workspace, prompter, name, namespace} = await start(ctx, KINDS.ApiServerSource, input.name)
  const resource =
    input.resource && input.resource.length > 0
      ? input.resource
      : [await prompter.text(undefined, {flag: '--resource', message: 'Resource to watch (Kind:apiVersion[:key=value], e.g. Event:v1)'})]
  const sink = await askSink(prompter, input.sink, workspace, namespace)
  return finish(ctx, 'ApiServerSource', {...input, name, resource, sink})
}

export {API_SERVER_MODES}
