// JUnit XML checked by a real validator: libxml2's xmllint (as WebAssembly) against the JUnit schema in
// test/fixtures/junit.xsd, and read back through XPath, so a test sees the values a CI system's parser sees.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {validateXML} from 'xmllint-wasm'

const JUNIT_XSD = readFileSync(fileURLToPath(new URL('../fixtures/junit.xsd', import.meta.url)), 'utf8')

/** Whether the report is well-formed XML the JUnit schema accepts, and xmllint's complaints when not. */
export async function validateJunit(xml: string): Promise<{valid: boolean; errors: string[]}> {
  const result = await validateXML({
    xml: {fileName: 'report.xml', contents: xml},
    schema: {fileName: 'junit.xsd', contents: JUNIT_XSD},
  })
  return {valid: result.valid, errors: result.errors.map((error) => error.rawMessage)}
}

/** An XPath 1.0 expression's value over the report, as xmllint --xpath prints it (`string(...)`, `count(...)`). */
export async function xpath(xml: string, expression: string): Promise<string> {
  const result = await validateXML({
    xml: {fileName: 'report.xml', contents: xml},
    normalization: 'format',
    modifyArguments: (args) => ['--xpath', expression, ...args.filter((arg) => arg !== '--format')],
  })
  if (result.errors.length > 0) throw new Error(`xmllint --xpath ${expression}: ${result.rawOutput}`)
  return result.normalized.replace(/\n$/, '')
}

// a character no report in the tests holds, between the values of one xmllint run
const SEPARATOR = '\u241e'

/** Several XPath values at once (one xmllint run instead of one each), by the names given. */
export async function xpaths<K extends string>(xml: string, expressions: Record<K, string>): Promise<Record<K, string>> {
  const names = Object.keys(expressions) as K[]
  const values = (await xpath(xml, `concat(${names.map((name) => `string(${expressions[name]})`).join(`, '${SEPARATOR}', `)}, '')`)).split(
    SEPARATOR,
  )
  return Object.fromEntries(names.map((name, i) => [name, values[i]])) as Record<K, string>
}
