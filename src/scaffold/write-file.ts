// Writing a file so that no reader sees half of it and nothing planted beside it is followed: every write
// goes to a temporary file with a random name, created exclusively, then takes the file's name in one step.
import {existsSync, linkSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {basename, dirname, join} from 'node:path'

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
    try {
      // a file system without hard links: exclusive create instead
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
