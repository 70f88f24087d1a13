// EventTransform's JSONata engine, as Knative's transformer applies it (openshift-knative/eventing-integrations
// transform-jsonata/jsonata.js, the image Knative's EventTransform controller deploys): the expression's
// input is the whole event in the CloudEvents JSON format (attributes, extensions and `data`, or
// `data_base64` for bytes that are not text), and an output object with `specversion` is read back as a
// structured CloudEvent. Pure: no I/O, no timers; JSONata's own guardrails bound the evaluation.
import jsonata from 'jsonata'
import type {CloudEvent} from '../../core/cloudevent.js'
import {decodeJsonEvent, eventToJsonObject} from '../../core/codec/json.js'
import {textOf} from '../../core/resources/read.js'

/** Bounds on one evaluation, so that one bad expression cannot stop the mesh (JSONata evaluates without yielding to the event loop). */
export interface JsonataLimits {
  /** Wall time one evaluation may take (JSONata's `timeout` option, error D1012). */
  timeoutMs: number
  /** Nesting of evaluation steps, which non-tail recursion grows (JSONata's `stack` option, error D1011). */
  maxDepth: number
  /** Items one sequence may hold (JSONata's `sequence` option, error D2015; the range operator's own cap is 1e7). */
  maxSequence: number
  /** Bytes of the result serialised as JSON. */
  maxResultBytes: number
}

export const DEFAULT_JSONATA_LIMITS: JsonataLimits = {timeoutMs: 500, maxDepth: 500, maxSequence: 100_000, maxResultBytes: 4 * 1024 * 1024}

/** A JSONata failure in kne's words: JSONata's message, its code and where in the expression. */
export interface JsonataFailure {
  message: string
  code?: string
  /** 1-based line and column of the failing token in the expression, when JSONata gives a position. */
  line?: number
  column?: number
}

export interface CompiledTransform {
  readonly expression: string
  /** Evaluates the expression on `input`; never rejects. */
  evaluate(input: unknown): Promise<{ok: true; value: unknown} | {ok: false; failure: JsonataFailure}>
}

export type CompileResult = {ok: true; transform: CompiledTransform} | {ok: false; failure: JsonataFailure}

/** Compiles an expression once; a syntax error comes back with JSONata's message and position. */
export function compileTransform(expression: string, limits: Partial<JsonataLimits> = {}): CompileResult {
  const bounds = {...DEFAULT_JSONATA_LIMITS, ...limits}
  let compiled: jsonata.Expression
  try {
    compiled = jsonata(expression, {timeout: bounds.timeoutMs, stack: bounds.maxDepth, sequence: bounds.maxSequence})
  } catch (error) {
    return {ok: false, failure: jsonataFailure(error, expression)}
  }
  return {
    ok: true,
    transform: {
      expression,
      async evaluate(input) {
        let value: unknown
        try {
          value = await compiled.evaluate(input)
        } catch (error) {
          return {ok: false, failure: jsonataFailure(error, expression)}
        }
        let bytes: number
        try {
          bytes = serialisedBytes(value, bounds.maxResultBytes)
        } catch (error) {
          return {ok: false, failure: {message: `the result cannot be written as JSON: ${(error as Error).message}`}}
        }
        if (bytes > bounds.maxResultBytes) {
          return {ok: false, failure: {message: `the result is larger than ${bounds.maxResultBytes} bytes as JSON`}}
        }
        return {ok: true, value}
      },
    },
  }
}

/** `message (JSONata S0211 at line 1, column 1)`: one line for a validation error or an activity record. */
export function describeJsonataFailure(failure: JsonataFailure): string {
  const where = failure.line === undefined ? '' : ` at line ${failure.line}, column ${failure.column}`
  return failure.code ? `${failure.message} (JSONata ${failure.code}${where})` : failure.message
}

/** The expression's input: the event in the CloudEvents JSON format, as the transformer's `HTTP.structured(event)` gives it. */
export function transformInput(event: CloudEvent): Record<string, unknown> {
  return eventToJsonObject(event)
}

/** What an expression's result stands for, read the way Knative's transformer reads it. */
export type TransformOutput =
  /** An object with `specversion`: a structured CloudEvent. */
  | {kind: 'event'; event: CloudEvent}
  /** An object or list without `specversion`: sent on as JSON (a broker refuses it as a reply). */
  | {kind: 'json'; contentType: string; body: string}
  | {kind: 'failed'; failure: JsonataFailure}

/**
 * Reads a result: with `specversion` it must be a valid CloudEvent (Knative would send it as
 * application/cloudevents+json, and the receiver would refuse it); an object or list without one is plain
 * JSON whose content type is its `contenttype` member, if any (guessTransformedContentType); nothing, or a
 * string, number or boolean, is a failure (the transformer answers 500 for those).
 */
export function readTransformOutput(value: unknown): TransformOutput {
  if (value === undefined)
    return {
      kind: 'failed',
      failure: {message: 'the expression produced no result (undefined): every path it reads may be missing from the event'},
    }
  if (value === null || typeof value !== 'object') {
    return {
      kind: 'failed',
      failure: {
        message: `the expression produced ${value === null ? 'null' : `a ${typeof value}`}, not an object: a CloudEvent needs {"specversion": "1.0", "id": ..., "source": ..., "type": ...}`,
      },
    }
  }
  const members = value as Record<string, unknown>
  if (!Array.isArray(value) && 'specversion' in members) {
    const decoded = decodeJsonEvent(plainJson(value))
    if (!decoded.ok) return {kind: 'failed', failure: {message: `the result is not a valid CloudEvent: ${decoded.error}`}}
    return {kind: 'event', event: decoded.event}
  }
  const contentType = !Array.isArray(value) && members.contenttype ? textOf(members.contenttype) : 'application/json'
  return {kind: 'json', contentType, body: JSON.stringify(value)}
}

/** Applies a compiled transform to an event: the transformed event, plain JSON, or the failure. */
export async function applyTransform(transform: CompiledTransform, event: CloudEvent): Promise<TransformOutput> {
  return applyToInput(transform, transformInput(event))
}

/** Applies a compiled transform to an input that is already JSON (a reply that is not a CloudEvent). */
export async function applyToInput(transform: CompiledTransform, input: unknown): Promise<TransformOutput> {
  const result = await transform.evaluate(input)
  if (!result.ok) return {kind: 'failed', failure: result.failure}
  return readTransformOutput(result.value)
}

// JSONata's sequences are arrays with extra members; the decoder wants the JSON the transformer would send.
function plainJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown
}

function serialisedBytes(value: unknown, max: number): number {
  if (value === undefined) return 0
  // JSON.stringify of a huge result is itself the cost being bounded; strings count one byte a character
  const text = JSON.stringify(value) as string | undefined
  return text === undefined ? 0 : text.length > max ? text.length : Buffer.byteLength(text)
}

function jsonataFailure(error: unknown, expression: string): JsonataFailure {
  const raw = error as {message?: unknown; code?: unknown; position?: unknown}
  const failure: JsonataFailure = {message: typeof raw.message === 'string' ? raw.message : String(error)}
  if (typeof raw.code === 'string') failure.code = raw.code
  if (typeof raw.position === 'number') Object.assign(failure, lineAndColumn(expression, raw.position))
  return failure
}

/** JSONata's position is the offset just past the failing token; a YAML block expression is read by line. */
function lineAndColumn(expression: string, position: number): {line: number; column: number} {
  const before = expression.slice(0, Math.max(0, Math.min(position, expression.length)))
  const lines = before.split('\n')
  return {line: lines.length, column: Math.max(1, lines[lines.length - 1]!.length)}
}

/** What an expression can give one attribute of the events it produces, read from its syntax tree (for the registry). */
export interface ProducedAttribute {
  /** String literals it can be. */
  values: string[]
  /** It can be the incoming event's own value (`"type": type`). */
  fromInput: boolean
  /** It can be computed otherwise: not known before run time. */
  computed: boolean
}

interface AstNode {
  type: string
  value?: unknown
  lhs?: unknown
  expressions?: AstNode[]
  then?: AstNode
  else?: AstNode
  steps?: {type: string; value?: unknown}[]
}

/**
 * The values an expression's result can carry for each named attribute, when its result is an object
 * literal (also at the end of a block, or in either branch of a condition). Undefined when the expression
 * does not compile or its result is not an object literal.
 */
export function producedAttributes(
  expression: string,
  names: readonly string[] = ['type', 'source'],
): Record<string, ProducedAttribute> | undefined {
  let ast: AstNode
  try {
    ast = jsonata(expression).ast()
  } catch {
    return undefined
  }
  const objects = resultObjects(ast)
  if (objects === undefined) return undefined
  const produced: Record<string, ProducedAttribute> = {}
  for (const name of names) {
    const attribute: ProducedAttribute = {values: [], fromInput: false, computed: false}
    for (const members of objects) {
      const member = members.find(([key]) => key.type === 'string' && key.value === name)
      // an object without the member gives no event (the attribute is required) or an event without it
      if (member) collectValue(member[1], name, attribute)
    }
    attribute.values = [...new Set(attribute.values)].sort()
    produced[name] = attribute
  }
  return produced
}

function resultObjects(node: AstNode | undefined): [AstNode, AstNode][][] | undefined {
  if (node === undefined) return undefined
  if (node.type === 'unary' && node.value === '{' && Array.isArray(node.lhs)) return [node.lhs as [AstNode, AstNode][]]
  if (node.type === 'block' && node.expressions?.length) return resultObjects(node.expressions[node.expressions.length - 1])
  if (node.type === 'condition') {
    const branches = [resultObjects(node.then), node.else === undefined ? [] : resultObjects(node.else)]
    return branches.some((b) => b === undefined) ? undefined : (branches.flat() as [AstNode, AstNode][][])
  }
  return undefined
}

function collectValue(node: AstNode, name: string, into: ProducedAttribute): void {
  if (node.type === 'string' && typeof node.value === 'string') into.values.push(node.value)
  else if (node.type === 'condition' && node.then) {
    collectValue(node.then, name, into)
    if (node.else) collectValue(node.else, name, into)
  } else if (node.type === 'path' && node.steps?.length === 1 && node.steps[0]!.type === 'name' && node.steps[0]!.value === name)
    into.fromInput = true
  else into.computed = true
}
