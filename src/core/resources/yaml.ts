// Turning manifest text into data within Kubernetes' own size limits: what the API server and etcd would
// refuse is refused before it costs memory, and no YAML (aliases included) can make parsing throw.
import {formatBytes} from '../quantity.js'
import {isAlias, isNode, isScalar, LineCounter, parseAllDocuments, visit, type Document, type Scalar} from 'yaml'

/** etcd's default request limit (--max-request-bytes): the largest object a cluster stores. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024
/** The API server's limit on all of an object's annotations, keys and values (TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024
/** The API server's largest request body: a manifest file beyond it is refused unread. */
export const MAX_MANIFEST_FILE_BYTES = 3 * 1024 * 1024
/**
 * The yaml package's expansion budget (uses of an anchor × aliases inside it): a List of a thousand
 * resources sharing `delivery: *d` fits, a billion-laughs document does not.
 */
export const MAX_ALIAS_COUNT = 10_000
/** Anchors and aliases in one document: the yaml package resolves each alias by a scan over all of them. */
export const MAX_ANCHORS_AND_ALIASES = 2_000

/** One YAML document as data, or why it is not a manifest (with the line and column when there is one). */
export type YamlDocument = {ok: true; value: unknown} | {ok: false; message: string}

/** Every document of a YAML stream; never throws. */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const lineCounter = new LineCounter()
  let documents: Document.Parsed[]
  try {
    // the package's own duplicate-key check compares each key with every other: quadratic in a large mapping
    const parsed = parseAllDocuments(text, {prettyErrors: true, uniqueKeys: false, lineCounter})
    documents = Array.isArray(parsed) ? parsed : [parsed]
  } catch (error) {
    return [{ok: false, message: `invalid YAML: ${firstLine(error)}`}]
  }
  return documents.map((doc) => documentValue(doc, lineCounter))
}

/** The first document of a YAML text (kne.yaml), null when empty; never throws. */
export function parseYamlDocument(text: string): YamlDocument {
  const documents = parseYamlDocuments(text)
  if (documents.length > 1) return {ok: false, message: `invalid YAML: expected one document, found ${documents.length}`}
  return documents[0] ?? {ok: true, value: null}
}

/** One parsed document as data, within the limits above. */
export function documentValue(doc: Document.Parsed, lineCounter?: LineCounter): YamlDocument {
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const line = e.linePos?.[0]
    // the parser's message repeats the position it also gives as data
    const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    return {ok: false, message: `invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${reason}`}
  }
  const duplicate = duplicateKey(doc)
  if (duplicate) {
    const at = duplicate.range && lineCounter ? lineCounter.linePos(duplicate.range[0]) : undefined
    return {ok: false, message: `invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: Map keys must be unique`}
  }
  if (countAnchorsAndAliases(doc, MAX_ANCHORS_AND_ALIASES) > MAX_ANCHORS_AND_ALIASES) {
    return {ok: false, message: `invalid YAML: more than ${MAX_ANCHORS_AND_ALIASES} anchors and aliases (a resource-exhaustion guard)`}
  }
  let value: unknown
  try {
    value = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
  } catch (error) {
    const reason =
      error instanceof ReferenceError && /alias count/i.test(error.message)
        ? `its aliases expand beyond ${MAX_ALIAS_COUNT} nodes (a resource-exhaustion guard)`
        : firstLine(error)
    return {ok: false, message: `invalid YAML: ${reason}`}
  }
  if (jsonSizeExceeds(value, MAX_OBJECT_BYTES)) {
    return {
      ok: false,
      message: `too large: as JSON this document is over ${formatBytes(MAX_OBJECT_BYTES)}, the most a Kubernetes object can be`,
    }
  }
  return {ok: true, value}
}

/** The first key a mapping repeats (kubectl refuses those too), found in one pass per mapping. */
function duplicateKey(doc: Document.Parsed): Scalar | undefined {
  let found: Scalar | undefined
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        if (seen.has(pair.key.value)) {
          found = pair.key
          return visit.BREAK
        }
        seen.add(pair.key.value)
      }
      return undefined
    },
  })
  return found
}

/** Anchors and aliases in `doc`, counted up to just past `limit`. */
function countAnchorsAndAliases(doc: Document.Parsed, limit: number): number {
  let count = 0
  visit(doc, (_key, node) => {
    if (isAlias(node) || (isNode(node) && node.anchor !== undefined)) count++
    return count > limit ? visit.BREAK : undefined
  })
  return count
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!
}

/**
 * Whether `value` written as JSON (aliases expanded, as kubectl sends it) would exceed `limit` bytes.
 * Counts approximately and stops as soon as the limit is passed, so a shared subtree costs no more than that.
 */
export function jsonSizeExceeds(value: unknown, limit: number): boolean {
  let size = 0
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const item = stack.pop()
    if (typeof item === 'string') size += item.length + 2
    else if (Array.isArray(item)) {
      size += 2 + item.length
      for (const element of item) stack.push(element)
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item)
      size += 2
      for (const [key, element] of entries) {
        size += key.length + 4
        stack.push(element)
      }
    } else size += String(item).length
    if (size > limit) return true
  }
  return false
}
