// kne's --help: oclif's, with an EXIT CODES section after the examples (oclif renders no exit codes itself).
import {CommandHelp, Help} from '@oclif/core'
import {exitCodesHelp} from '../core/errors.js'

class KneCommandHelp extends CommandHelp {
  protected override sections(): ReturnType<CommandHelp['sections']> {
    const sections = super.sections()
    const examples = sections.findIndex((s) => s.header === 'EXAMPLES')
    sections.splice(examples + 1, 0, {header: 'EXIT CODES', generate: () => this.exitCodes()})
    return sections
  }

  private exitCodes(): string | undefined {
    // static exitCodes and exitCodeMeanings of KneCommand, kept in the manifest with the other statics
    const {exitCodes, exitCodeMeanings} = this.command as {exitCodes?: number[]; exitCodeMeanings?: Record<number, string>}
    return exitCodes ? exitCodesHelp(exitCodes, exitCodeMeanings) : undefined
  }
}

export default class KneHelp extends Help {
  protected override CommandHelpClass = KneCommandHelp
}
