// The CLI glue commands import: base classes, shared flags and flag types, help text.
export * from './command.js'
export * from './flags.js'
export * from './help-text.js'
export * from './scaffold-command.js'
