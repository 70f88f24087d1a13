// The CLI glue every command imports: the base class, shared flags and flag types, help text. The scaffolding
// commands' base class is imported from ./scaffold-command.js, so that the other commands start without it.
export * from './command.js'
export * from './flags.js'
export * from './help-text.js'
