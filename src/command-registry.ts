// Every kne command by id (oclif's explicit strategy: no globbing at start-up).
import Dev from './commands/dev.js'
import FilterTest from './commands/filter/test.js'
import Send from './commands/send.js'
import Sink from './commands/sink.js'
import Tail from './commands/tail.js'

export const COMMANDS = {
  dev: Dev,
  'filter:test': FilterTest,
  send: Send,
  sink: Sink,
  tail: Tail,
}
