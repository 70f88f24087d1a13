// Exact percentiles over recorded samples, and medians with their spread over repeated runs.

/** Growable Float64Array: samples are recorded on the hot path without allocating per sample. */
export class Samples {
  constructor(capacity = 1 << 14) {
    this.values = new Float64Array(capacity)
    this.length = 0
  }

  push(value) {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.length++] = value
  }

  /** p50, p90, p99, p99.9 and max, in the samples' unit, rounded to 0.01. */
  percentiles() {
    if (this.length === 0) return undefined
    const sorted = this.values.slice(0, this.length).sort()
    const at = (q) => round2(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)])
    return {count: this.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: round2(sorted[sorted.length - 1])}
  }
}

export function round2(value) {
  return Math.round(value * 100) / 100
}

export function median(values) {
  const list = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  if (list.length === 0) return undefined
  const mid = Math.floor(list.length / 2)
  return list.length % 2 === 1 ? list[mid] : (list[mid - 1] + list[mid]) / 2
}

/** Median, min and max of a figure over runs; undefined when no run produced it. */
export function summarize(values) {
  const list = values.filter((v) => typeof v === 'number' && Number.isFinite(v))
  if (list.length === 0) return undefined
  return {median: median(list), min: Math.min(...list), max: Math.max(...list), n: list.length}
}
