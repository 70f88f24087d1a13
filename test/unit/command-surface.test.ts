// kne's command surface (commands, their args and flags) against the committed snapshot, so that a change to
// it is deliberate. After one: UPDATE_SURFACE=1 npx vitest run test/unit/command-surface.test.ts
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {repoRoot} from '../helpers/cli.js'
import {kneCommands} from '../helpers/command.js'

const SNAPSHOT = join(repoRoot, 'test', 'fixtures', 'command-surface.json')

type Definition = Record<string, unknown>

/** What a user can type: each flag's type, char, default, options; each argument's. */
function describeFlag(flag: Definition): Definition {
  const picked: Definition = {type: flag.type}
  for (const key of ['char', 'helpValue', 'multiple', 'required', 'options', 'env', 'allowNo', 'exclusive', 'dependsOn']) {
    if (flag[key] !== undefined && flag[key] !== false) picked[key] = flag[key]
  }
  if (flag.default !== undefined && typeof flag.default !== 'function') picked.default = flag.default
  return picked
}

async function surface(): Promise<Record<string, Definition>> {
  const out: Record<string, Definition> = {}
  for (const [id, command] of await kneCommands()) {
    const flags = {...command.baseFlags, ...(command.enableJsonFlag ? {json: {type: 'boolean'}} : {}), ...command.flags} as Record<
      string,
      Definition
    >
    const args = (command.args ?? {}) as Record<string, Definition>
    out[id.replaceAll(':', ' ')] = {
      args: Object.fromEntries(Object.entries(args).map(([name, arg]) => [name, describeFlag({...arg, type: 'arg'})])),
      flags: Object.fromEntries(
        Object.entries(flags)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, flag]) => [name, describeFlag(flag)]),
      ),
      ...(command.strict === false ? {strict: false} : {}),
    }
  }
  return out
}

/** One line per argument and flag, so that a change reads as a one-line diff. */
function render(commands: Record<string, Definition>): string {
  const block = (entries: Record<string, unknown>, indent: string): string =>
    Object.entries(entries)
      .map(([name, value]) => `${indent}${JSON.stringify(name)}: ${JSON.stringify(value)}`)
      .join(',\n')
  const body = Object.entries(commands).map(([id, {args, flags, ...rest}]) => {
    const parts = [
      `    "args": {\n${block(args as Record<string, unknown>, '      ')}\n    }`,
      `    "flags": {\n${block(flags as Record<string, unknown>, '      ')}\n    }`,
    ]
    for (const [key, value] of Object.entries(rest)) parts.push(`    ${JSON.stringify(key)}: ${JSON.stringify(value)}`)
    return `  ${JSON.stringify(id)}: {\n${parts.join(',\n')}\n  }`
  })
  return `{\n${body.join(',\n')}\n}\n`.replaceAll('{\n\n    }', '{}')
}

describe('the command surface', () => {
  it('is the committed one (UPDATE_SURFACE=1 to accept a deliberate change)', async () => {
    const current = await surface()
    if (process.env.UPDATE_SURFACE) writeFileSync(SNAPSHOT, render(current))
    const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, Definition>
    expect(
      current,
      'the command surface changed: if that is deliberate, run UPDATE_SURFACE=1 npx vitest run test/unit/command-surface.test.ts and commit test/fixtures/command-surface.json',
    ).toEqual(committed)
  })
})
