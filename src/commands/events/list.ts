import {Flags} from '@oclif/core'
import {KneCommand, outputFlag, prose} from '../../cli/index.js'
import {eventFilterFlags, eventQueryOf, outcomeFlag} from '../../cli/event-flags.js'
import {listEvents} from '../../client/events.js'
import {damageNotes, eventsListNotes, renderEventsList} from '../../client/render-events.js'
import {colors} from '../../client/render.js'
import type {EventsAnswer} from '../../core/api.js'
import {DEFAULT_QUERY_LIMIT} from '../../core/event-log/index.js'
import {toYaml} from '../../scaffold/templates.js'

export default class EventsList extends KneCommand<typeof EventsList> {
  static override summary = 'List the events the mesh accepted, newest first, with how each trigger or subscription delivery ended.'
  static override description = prose`One row per arrival at a broker or a channel: ARRIVAL (the mesh-wide number kne events show and
kne redeliver take), TIME, AT (the broker or channel), TYPE, ID and DELIVERIES (each trigger or subscription
with its outcome: delivered, replied, dead-lettered, failed, or pending while retries go on). --outcome picks
the events with at least one delivery in that state (replied counts as delivered). From the running kne dev:
its event log with --persist, else the events its in-memory history still holds; --from DIR reads a log
folder without a running mesh.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --outcome dead-lettered --since 1h',
    '<%= config.bin %> <%= command.id %> --type com.example.order.created --trigger order-created -n shop --json',
    '<%= config.bin %> <%= command.id %> --from .kne   # a log folder, no kne dev needed',
    '<%= config.bin %> <%= command.id %> --id order-1001 -o yaml',
  ]
  static override flags = {
    ...eventFilterFlags,
    id: Flags.string({description: 'only events with this id'}),
    outcome: outcomeFlag('only events with a delivery in this state (repeatable)'),
    limit: Flags.integer({min: 1, default: DEFAULT_QUERY_LIMIT, description: 'at most this many events, the newest'}),
    from: Flags.string({description: "read this log folder (kne dev --persist's) instead of the running mesh"}),
    'no-headers': Flags.boolean({description: 'print the table without its header row'}),
    output: outputFlag('print the event summaries in this format'),
  }

  async run(): Promise<EventsAnswer> {
    const {flags} = this
    const answer = await listEvents({dataDir: this.config.dataDir, from: flags.from}, eventQueryOf(flags))
    if (flags.output) this.write(flags.output === 'json' ? `${JSON.stringify(answer.events, null, 2)}\n` : toYaml(answer.events))
    else if (answer.events.length === 0) this.log('No events found.')
    else for (const line of renderEventsList(answer, flags['no-headers'])) this.log(line)
    const c = colors(process.stderr)
    for (const note of eventsListNotes(answer)) this.note(c.dim(note))
    for (const note of damageNotes(answer.damage)) this.note(c.yellow(note))
    return answer
  }
}
