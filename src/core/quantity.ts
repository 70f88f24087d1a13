// Sizes in bytes as Kubernetes writes them (resource quantities): `64Mi`, `512Ki`, `1Gi`, `500M`, or a plain
// number of bytes. Only whole numbers of bytes: no fractions, exponents or milli-units.

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
}

/** Bytes of a quantity such as `64Mi`, or undefined when the text is not one. */
export function parseByteQuantity(text: string): number | undefined {
  const m = /^(\d+)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text.trim())
  if (!m) return undefined
  const bytes = Number(m[1]) * UNITS[m[2] ?? '']!
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

/** A byte count for people: `512 B`, `64 KiB`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`
}
