// Every kne command by id (oclif's explicit strategy: no globbing at start-up).
import Dev from './commands/dev.js'
import Send from './commands/send.js'
import Tail from './commands/tail.js'

export const COMMANDS = {
  dev: Dev,
  send: Send,
  tail: Tail,
}
