// kne test --output FILE: the report written whole, in one step, so a CI system never reads half of one; the
// folder it goes in is made (CI recipes name a reports/ folder that does not exist yet).
import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'
import {KneError} from '../core/errors.js'
import {rewriteFile} from '../scaffold/write-file.js'

export function writeReportFile(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), {recursive: true})
    rewriteFile(file, text)
  } catch (error) {
    throw new KneError(`${file}: cannot write the report (${(error as {code?: string}).code ?? (error as Error).message})`, 'REPORT_FILE')
  }
}
