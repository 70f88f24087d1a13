// Edits manifest files without disturbing the rest of them: a new file is never written over an existing
// one, a replaced or removed document leaves the file's other documents (and comments) as they were, and
// every write goes through a temporary file and a rename so a watcher never sees half a file.
import {existsSync, linkSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {basename, dirname, join} from 'node:path'
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

/**
 * Writes `text` to a new temporary file beside `file`: a random name, created exclusively, so nothing
 * already there (a symlink planted under a name we could have guessed) is followed or overwritten.
 */
function writeTemporary(file: string, text: string): string {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`)
  writeFileSync(tmp, text, {flag: 'wx', mode: 0o644})
  return tmp
}

/** Writes a new file; returns false (and writes nothing) when `file` already exists. */
export function writeNewFile(file: string, text: string): boolean {
  if (existsSync(file)) return false
  const tmp = writeTemporary(file, text)
  try {
    linkSync(tmp, file) // fails when the file appeared meanwhile: never overwrites
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP') throw error
    try { // a file system without hard links: exclusive create instead
      writeFileSync(file, text, {flag: 'wx'})
      return true
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw inner
    }
  } finally {
    rmSync(tmp, {force: true})
  }
}

/** Replaces a file's content in one step. */
export function rewriteFile(file: string, text: string): void {
  const tmp = writeTemporary(file, text)
  try {
    renameSync(tmp, file)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw error
  }
}
