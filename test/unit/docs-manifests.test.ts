// docs/manifests.md's kinds table must say what `kne dev` really runs.
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {EMULATED_KINDS} from '../../src/kinds/descriptors.js'

const table = readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => /^\| [A-Z]\w+ \| `/.test(line))
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .map((cells) => ({kind: cells[1] ?? '', runs: cells[3] ?? ''}))

describe('docs/manifests.md', () => {
  it('lists every kind kne dev runs as run, and no other', () => {
    expect(table.length).toBeGreaterThan(10)
    for (const {kind, runs} of table) {
      expect({kind, runs: runs !== 'no'}).toEqual({kind, runs: EMULATED_KINDS.has(kind)})
    }
    expect(table.map((row) => row.kind).sort()).toEqual([...EMULATED_KINDS].sort())
  })

  it('never says kne dev runs only Brokers and Triggers', () => {
    const docs = readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8')
    expect(docs).not.toMatch(/runs:\*\* Brokers and Triggers\./)
    expect(docs).not.toMatch(/kne dev runs Broker and Trigger for now/)
  })
})

describe('docs/concepts.md', () => {
  const concepts = readFileSync(new URL('../../docs/concepts.md', import.meta.url), 'utf8')
  const trust = concepts.slice(concepts.indexOf('## Trust and safety'), concepts.indexOf('## Stopping'))

  it('has a Trust and safety section that says what a crash loses and that manifests are code', () => {
    expect(trust).toContain('### What a crash loses')
    for (const loss of ['202', 'in flight', 'activity history', 'process group', 'locator']) expect(trust).toContain(loss)
    expect(trust).toContain('### Manifests and kne.yaml are code')
    for (const fact of ['ContainerSource', 'command', 'one level', 'above']) expect(trust).toContain(fact)
  })
})
