// delete: removes a resource's file, or only its document when the file holds others.
import {readFileSync, rmSync} from 'node:fs'
import {EXIT, KneError} from '../core/errors.js'
import {KINDS, type KindInfo, type ScaffoldKind} from '../core/manifests/index.js'
import {removeDocument} from './files.js'
import {rewriteFile} from './write-file.js'
import {displayPath, type ProjectContext} from './project.js'
import {findOne, isInList, readWorkspace, type KindMatch} from './workspace.js'

export interface DeleteResult {
  kind: string
  namespace: string
  name: string
  file: string
  /** `file`: the file held only this resource and is gone; `document`: its document was cut from the file. */
  removed: 'file' | 'document'
  message: string
}

/** Deletes the resource `name` in the project's namespace; `match` says which kinds qualify. */
export function deleteResource(project: ProjectContext, name: string, match: KindMatch): DeleteResult {
  const entry = findOne(readWorkspace(project), project.namespace, name, match)
  if (isInList(entry)) {
    throw new KneError(
      `${entry.kind} '${name}' is an item of a List in ${displayPath(project, entry.file)}; kne does not rewrite Lists`,
      'IN_LIST',
      EXIT.usage,
      ['edit that file by hand'],
    )
  }
  const {text, empty} = removeDocument(readFileSync(entry.file, 'utf8'), entry.document)
  if (empty) rmSync(entry.file)
  else rewriteFile(entry.file, text)
  const info = KINDS[entry.kind as ScaffoldKind] as KindInfo | undefined
  return {
    kind: entry.kind,
    namespace: entry.namespace,
    name,
    file: displayPath(project, entry.file),
    removed: empty ? 'file' : 'document',
    message: info ? info.deleted(name, entry.namespace) : `${entry.kind} '${name}' deleted in namespace '${entry.namespace}'.`,
  }
}
