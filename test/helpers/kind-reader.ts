// Runs one kind's reader on a YAML document the way the manifest parser does (metadata read, namespace
// defaulted, the spec's unknown fields refused), for kinds tested before they are registered.
import {parse} from 'yaml'
import {rejectUnknownFields, type KindContext} from '../../src/core/resources/read.js'
import type {FieldErrors} from '../../src/core/resources/validate.js'

export function readWith<T>(
  read: (ctx: KindContext) => T,
  specFields: readonly string[],
  text: string,
): {spec: T; errors: FieldErrors; warnings: FieldErrors; document: Record<string, unknown>} {
  const document = parse(text) as Record<string, unknown>
  const metadata = (document.metadata ?? {}) as {name?: string; namespace?: string}
  const spec = structuredClone((document.spec ?? {}) as Record<string, unknown>)
  const errors: FieldErrors = []
  const warnings: FieldErrors = []
  rejectUnknownFields(spec, specFields, 'spec', errors)
  const ctx: KindContext = {
    apiVersion: String(document.apiVersion),
    kind: String(document.kind),
    metadata: {name: metadata.name ?? '', namespace: metadata.namespace ?? 'default', labels: {}, annotations: {}},
    spec,
    errors,
    warnings,
  }
  return {spec: read(ctx), errors, warnings, document}
}
