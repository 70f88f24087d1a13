// Asks for a required value that was not given, when a person is at the keyboard (stdin is a TTY);
// otherwise fails with exit 2 naming the flag, so CI never hangs on a prompt. Prompts draw on stderr
// to keep stdout for results.
import {input, select} from '@inquirer/prompts'
import {EXIT, KneError} from '../core/errors.js'

export interface Choice {
  value: string
  name?: string
  description?: string
}

export class Prompter {
  constructor(readonly interactive: boolean = process.stdin.isTTY === true) {}

  /** The value, or the answer to a text prompt; `validate` returns a problem or undefined. */
  async text(
    value: string | undefined,
    ask: {flag: string; message: string; default?: string; validate?: (answer: string) => string | undefined},
  ): Promise<string> {
    if (value !== undefined) return value
    this.require(ask.flag)
    return input(
      {
        message: ask.message,
        default: ask.default,
        validate: (answer) => (answer.trim() === '' ? `${ask.flag} is required` : (ask.validate?.(answer.trim()) ?? true)),
      },
      {output: process.stderr},
    ).then((answer) => answer.trim())
  }

  /** The value, or a pick from `choices`; `other` adds a last choice that asks for free text. */
  async choose(
    value: string | undefined,
    ask: {
      flag: string
      message: string
      choices: Choice[]
      default?: string
      other?: {name: string; message: string; validate?: (answer: string) => string | undefined}
    },
  ): Promise<string> {
    if (value !== undefined) return value
    this.require(ask.flag)
    if (ask.choices.length === 0 && ask.other)
      return this.text(undefined, {flag: ask.flag, message: ask.other.message, validate: ask.other.validate})
    const OTHER = '\u0000other'
    const choices = [...ask.choices, ...(ask.other ? [{value: OTHER, name: ask.other.name}] : [])]
    const picked = await select({message: ask.message, choices, default: ask.default}, {output: process.stderr})
    if (picked !== OTHER) return picked
    return this.text(undefined, {flag: ask.flag, message: ask.other!.message, validate: ask.other!.validate})
  }

  /** Throws the exit-2 error for a missing flag unless a prompt can ask for it. */
  require(flag: string): void {
    if (this.interactive) return
    const what = /^[A-Z]+$/.test(flag) ? `argument ${flag}` : `flag ${flag}`
    throw new KneError(`missing required ${what}`, 'MISSING_FLAG', EXIT.usage, [
      `pass ${flag} (kne asks for it only when run in a terminal)`,
    ])
  }
}
