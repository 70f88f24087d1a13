// An unknown command is a usage error (exit 2) that names the nearest command, on a terminal or not:
// oclif's not-found plugin exits 127 and suggests only through a prompt, which scripts never see. Under
// --json it is one JSON document on stdout, as every command's error is.
import {Errors, toConfiguredId, type Hook} from '@oclif/core'
import {ERRORS} from '../core/errors.js'
import {nearestNames} from '../core/registry/patterns.js'

const hook: Hook.CommandNotFound = async function (options) {
  const {config} = options
  const known = config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  const [nearest] = nearestNames(options.id, known, 1)
  const suggestions = [
    ...(nearest === undefined ? [] : [`did you mean \`${config.bin} ${toConfiguredId(nearest, config)}\`?`]),
    `run \`${config.bin} help\` for the list of commands`,
  ]
  const {exit} = ERRORS.UNKNOWN_COMMAND
  const message = `${toConfiguredId(options.id, config)} is not a ${config.bin} command`
  if (options.argv?.includes('--json')) {
    process.stdout.write(`${JSON.stringify({error: {code: 'UNKNOWN_COMMAND', oclif: {exit}, suggestions, message, name: 'Error'}})}\n`)
    throw new Errors.ExitError(exit)
  }
  throw new Errors.CLIError(message, {code: 'UNKNOWN_COMMAND', exit, suggestions})
}

export default hook
