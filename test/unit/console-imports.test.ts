// The web console (console/) is browser code: it may take types from src/core, and nothing else from src/
// (the mesh, the CLI and Node's modules do not run in a page; the control API is its only contact).
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'

const CONSOLE = join(import.meta.dirname, '..', '..', 'console', 'src')
const SRC = join(import.meta.dirname, '..', '..', 'src')

describe("the console's imports", () => {
  it('takes only types from src/core, and no Node module', () => {
    const wrong: string[] = []
    for (const file of readdirSync(CONSOLE).filter((f) => /\.tsx?$/.test(f))) {
      const text = readFileSync(join(CONSOLE, file), 'utf8')
      for (const [statement, from] of text.matchAll(/^(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'/gms)) {
        if (from!.startsWith('node:')) wrong.push(`${file}: ${from}`)
        if (!from!.startsWith('.')) continue
        const target = relative(SRC, resolve(CONSOLE, from!))
        if (target.startsWith('..')) continue
        if (!target.startsWith('core/') || !/^(?:import|export)\s+type\b/.test(statement))
          wrong.push(`${file}: ${statement.split('\n')[0]}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
