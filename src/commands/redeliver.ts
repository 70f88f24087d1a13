import {Args, Flags} from '@oclif/core'
import {KneCommand, prose} from '../cli/index.js'
import {eventFilterFlags, eventQueryOf, outcomeFlag} from '../cli/event-flags.js'
import {redeliverEvents} from '../client/events.js'
import {failedRedeliveries, renderRedeliveries} from '../client/render-events.js'
import {colors} from '../client/render.js'
import type {RedeliverAnswer} from '../core/api.js'
import {EXIT} from '../core/errors.js'

export default class Redeliver extends KneCommand<typeof Redeliver> {
  static override strict = false
  static override exitCodes = [EXIT.ok, EXIT.usage, EXIT.unreachable, EXIT.rejected, EXIT.interrupted]
  static override exitCodeMeanings = {
    [EXIT.usage]: 'bad flag or argument, or a KEY that matches no event',
    [EXIT.rejected]: 'an event could not be sent again (its trigger is gone, its record is not kept, or the mesh refused it)',
  }
  static override summary = 'Send events again to the triggers or subscriptions whose delivery was dead-lettered or failed.'
  static override description = prose`The fix-and-retry loop for dead letters: fix the subscriber, then redeliver. Each event goes again, as a new
arrival, only to its triggers (or subscriptions) whose delivery ended dead-lettered or failed (--outcome picks
others), with the trigger's current delivery spec; filters are not evaluated again. The new arrival names
the one it redelivers, and kne events show shows the link both ways. A delivery already redelivered (and
delivered, or still under way) is skipped; one whose trigger no longer exists is reported, not sent. KEYs
are arrival numbers or event ids; without them, the events the filter flags pick. Exits 0 when every
redelivery was accepted, 5 when one could not be sent.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> order-1001',
    '<%= config.bin %> <%= command.id %> --outcome dead-lettered --trigger order-created --since 1h',
    '<%= config.bin %> <%= command.id %> 17 18 19 --json',
  ]
  static override args = {key: Args.string({description: 'arrival number or event id (several may be given)'})}
  static override flags = {
    ...eventFilterFlags,
    outcome: outcomeFlag('redeliver deliveries in this state (repeatable) [default: dead-lettered and failed]'),
    'dry-run': Flags.boolean({description: 'list what would be sent, and send nothing'}),
  }

  async run(): Promise<RedeliverAnswer> {
    const {flags} = this
    const {argv} = await this.parse(Redeliver)
    const {trigger, subscription, outcomes, ...filter} = eventQueryOf(flags)
    const answer = await redeliverEvents(this.config.dataDir, {
      arrivals: argv.length > 0 ? (argv as string[]) : undefined,
      filter: argv.length > 0 ? undefined : filter,
      outcomes,
      trigger,
      subscription,
      dryRun: flags['dry-run'],
    })
    for (const line of renderRedeliveries(answer, colors())) this.log(line)
    if (answer.notFound.length > 0) {
      this.note(`no event with arrival number or id ${answer.notFound.join(', ')}`)
      this.setExitCode(EXIT.usage)
    } else if (failedRedeliveries(answer).length > 0) this.setExitCode(EXIT.rejected)
    return answer
  }
}
