// Edits manifest files without disturbing the rest of them: a new file is never written over an existing
// one, a replaced or removed document leaves the file's other documents (and comments) as they were, and
// every write goes through a temporary file and a rename so a watcher never sees half a file.
import {readFileSync} from 'node:fs'
import {parseAllDocuments} from 'yaml'
import {documentValue} from '../core/resources/yaml.js'

interface DocumentSpan {
  start: number
  end: number
  value: unknown
}

function spans(text: string): DocumentSpan[] {
  return parseAllDocuments(text, {uniqueKeys: false}).map((doc) => {
    const data = documentValue(doc)
    return {start: doc.range[0], end: doc.range[2], value: data.ok ? data.value : undefined}
  })
}

/** The plain data of document `index` (0-based) of a file, as written. */
export function readDocument(file: string, index: number): unknown {
  return spans(readFileSync(file, 'utf8'))[index]?.value
}

/** Replaces document `index` with `yaml` (one document, no `---`). */
export function replaceDocument(text: string, index: number, yaml: string): string {
  const span = spans(text)[index]
  if (!span) throw new Error(`no document ${index + 1}`)
  const marker = /^---[^\n]*\n/.exec(text.slice(span.start, span.end))?.[0] ?? ''
  return text.slice(0, span.start) + marker + withNewline(yaml) + text.slice(span.end)
}

/** Removes document `index`; `empty` tells whether any document with content is left. */
export function removeDocument(text: string, index: number): {text: string; empty: boolean} {
  const all = spans(text)
  const span = all[index]
  if (!span) throw new Error(`no document ${index + 1}`)
  const rest = text.slice(0, span.start) + text.slice(span.end)
  const empty = all.every((d, i) => i === index || d.value === null || d.value === undefined)
  return {text: rest, empty}
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`
}
