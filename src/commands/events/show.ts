import {Args, Flags} from '@oclif/core'
import {KneCommand, outputFlag, prose} from '../../cli/index.js'
import {showEvent} from '../../client/events.js'
import {damageNotes, renderEventDetail} from '../../client/render-events.js'
import {colors} from '../../client/render.js'
import type {EventShowAnswer} from '../../core/api.js'
import {toYaml} from '../../scaffold/templates.js'

export default class EventsShow extends KneCommand<typeof EventsShow> {
  static override summary = 'Show an event whole: its attributes, its data, and every step of its path with each attempt.'
  static override description = prose`KEY is an arrival number (kne events list's ARRIVAL) or an event id; an id that several arrivals
share (a producer's retry, a redelivery) shows each of them, newest first. The path lists, one line per step as
kne tail prints them, the arrival, every delivery attempt with its status and duration, replies, dead letters,
outcomes and redeliveries; for a broker's event it ends with why each of the broker's triggers (as they are
now) matches it or not.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 42',
    '<%= config.bin %> <%= command.id %> order-1001 --json',
    '<%= config.bin %> <%= command.id %> order-1001 --from .kne',
    '<%= config.bin %> <%= command.id %> 42 -o yaml',
  ]
  static override args = {key: Args.string({required: true, description: 'arrival number or event id'})}
  static override flags = {
    from: Flags.string({description: "read this log folder (kne dev --persist's) instead of the running mesh"}),
    output: outputFlag('print the events (event, summary, path, explanation) in this format'),
  }

  async run(): Promise<EventShowAnswer> {
    const answer = await showEvent({dataDir: this.config.dataDir, from: this.flags.from}, this.args.key)
    for (const note of damageNotes(answer.damage)) this.note(colors(process.stderr).yellow(note))
    if (this.flags.output) {
      this.write(this.flags.output === 'json' ? `${JSON.stringify(answer.events, null, 2)}\n` : toYaml(answer.events))
      return answer
    }
    const c = colors()
    answer.events.forEach((detail, i) => {
      if (i > 0) this.log('')
      for (const line of renderEventDetail(detail, c)) this.log(line)
    })
    return answer
  }
}
