// The last good version of every manifest file, for hot reload: a new version of a file replaces the old
// one only when it parses, validates and defines nothing another file already defines; otherwise the old
// version stays in force and the new one's problems are reported.
import {findDuplicates, identity, type ParsedManifests} from '../core/resources/parse.js'
import type {KneResource, ManifestError, ManifestResource, OtherResource} from '../core/resources/types.js'
import {notEmulatedWarnings} from '../kinds/descriptors.js'

export interface FileUpdate {
  file: string
  /** The new version replaced the old one (or the file's resources were removed with it). */
  taken: boolean
  /** Why the new version was not taken. */
  problems: ManifestError[]
  /** Warnings of the version taken. */
  warnings: ManifestError[]
  /** An older version of the file stays in force. */
  keptLastGood: boolean
}

export class LastGoodManifests {
  private readonly files = new Map<string, ParsedManifests>()

  /** Starts from a set that loaded without errors (e.g. kne dev's start-up set), split by file. */
  static from(manifests: ParsedManifests): LastGoodManifests {
    const cache = new LastGoodManifests()
    const byFile = (file: string): ParsedManifests => {
      let entry = cache.files.get(file)
      if (!entry) cache.files.set(file, (entry = {resources: [], others: [], nonEventing: [], errors: [], warnings: []}))
      return entry
    }
    for (const r of manifests.resources) byFile(r.origin.file).resources.push(r)
    for (const r of manifests.others) byFile(r.origin.file).others.push(r)
    for (const w of manifests.warnings) byFile(w.file).warnings.push(w)
    return cache
  }

  /** Offers a new version of `file` (undefined: the file is gone). */
  update(file: string, parsed: ParsedManifests | undefined): FileUpdate {
    const keptLastGood = this.files.has(file)
    if (parsed === undefined) {
      this.files.delete(file)
      return {file, taken: true, problems: [], warnings: [], keptLastGood: false}
    }
    let problems = parsed.errors
    if (problems.length === 0) problems = this.clashes(file, [...parsed.resources, ...parsed.others])
    if (problems.length > 0) return {file, taken: false, problems, warnings: [], keptLastGood}
    this.files.set(file, parsed)
    return {file, taken: true, problems: [], warnings: [...parsed.warnings, ...notEmulatedWarnings(parsed)], keptLastGood: false}
  }

  has(file: string): boolean {
    return this.files.has(file)
  }

  /** Files with a version in force, in the order they were first taken. */
  get fileNames(): string[] {
    return [...this.files.keys()]
  }

  get resources(): KneResource[] {
    return [...this.files.values()].flatMap((p) => p.resources)
  }

  get others(): OtherResource[] {
    return [...this.files.values()].flatMap((p) => p.others)
  }

  /** Resources of `candidate` that another file in force already defines. */
  private clashes(file: string, candidate: ManifestResource[]): ManifestError[] {
    const elsewhere = [...this.files.entries()].filter(([f]) => f !== file).flatMap(([, p]) => [...p.resources, ...p.others])
    const ids = new Set(candidate.map(identity))
    // only the clashes this file brings: the others' resources come first, so the second definition is this file's
    return findDuplicates([...elsewhere.filter((r) => ids.has(identity(r))), ...candidate]).filter((e) => e.file === file)
  }
}
