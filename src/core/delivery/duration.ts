// ISO-8601 durations as Knative's DeliverySpec takes them (`PT0.2S`, `PT1S`, `P1DT2H`), parsed to milliseconds.
// Years and months use fixed lengths (365 and 30 days), as the period library Knative uses does when it
// converts a period to a duration.
const ISO_DURATION =
  /^(-)?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/

const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000]

/** Milliseconds of an ISO-8601 duration, or undefined when the text is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const m = ISO_DURATION.exec(text.trim().toUpperCase())
  if (!m || text.trim().toUpperCase().endsWith('T') || text.trim().length <= 1) return undefined
  const parts = m.slice(2)
  if (parts.every((p) => p === undefined)) return undefined
  let ms = 0
  parts.forEach((p, i) => {
    if (p !== undefined) ms += Number(p.replace(',', '.')) * UNIT_MS[i]!
  })
  return Math.round(m[1] ? -ms : ms)
}

/** A human duration flag value: `15s`, `500ms`, `2m`, `1h`, or a bare number of seconds. */
export function parseHumanDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) return undefined
  const factor = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(m[1]) * factor)
}

/** A log's age bound: a duration (90m, 12h) or a number of days (7d). */
export function parseAge(text: string): number | undefined {
  const days = /^(\d+)d$/.exec(text.trim())
  return days ? Number(days[1]) * 86_400_000 : parseHumanDuration(text)
}
