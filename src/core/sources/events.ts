// What every event a kne-run source emits shares with Knative's adapters: the CloudEvents SDK's time
// format and ceOverrides applied as extensions (semantics §5.1).
import type {CloudEvent} from '../cloudevent.js'
import type {CloudEventOverrides} from '../resources/types.js'

/** The `time` attribute as sdk-go writes it: UTC, RFC 3339 with the fraction's trailing zeros dropped. */
export function cloudEventTime(ms: number): string {
  const iso = new Date(ms).toISOString() // 2024-01-01T00:00:00.500Z
  return iso.replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'))
}

/** Sets every ceOverrides extension on the event; sdk-go lower-cases extension names as it sets them. */
export function applyCeOverrides(event: CloudEvent, ceOverrides: CloudEventOverrides | undefined): CloudEvent {
  if (!ceOverrides || Object.keys(ceOverrides.extensions).length === 0) return event
  const extensions = {...event.extensions}
  for (const [name, value] of Object.entries(ceOverrides.extensions)) extensions[name.toLowerCase()] = value
  return {...event, extensions}
}
