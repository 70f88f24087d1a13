// Reading the schema files EventTypes name (`spec.schema: ./schemas/order.json`): local files only, bounded in size.
import {readFileSync, statSync} from 'node:fs'
import {MAX_SCHEMA_FILE_BYTES} from '../core/registry/validation.js'

/** A schema file's text; throws with the reason when it is missing, not a file, or too large. */
export function readSchemaFile(path: string): string {
  const stat = statSync(path)
  if (!stat.isFile()) throw new Error('not a file')
  if (stat.size > MAX_SCHEMA_FILE_BYTES) throw new Error(`larger than ${MAX_SCHEMA_FILE_BYTES} bytes`)
  return readFileSync(path, 'utf8')
}
