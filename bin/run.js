#!/usr/bin/env -S node --max-semi-space-size=32
// The flag: kne dev keeps a history of recent activity, whose records live a fraction of a second under load.
// With V8's default young generation they are copied twice and promoted before they die, which cost an
// asynchronous broker about a fifth of its CPU at 10,000 events/s (bench/notes.md); with 32 MiB most die young.
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
