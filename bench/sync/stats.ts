// Summaries and the markdown table of the sync benchmark.

export interface Summary {
  median: number
  min: number
  max: number
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error('no values to summarize')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

/** A rate (per second) of `count` things done in `ms`. */
export function perSecond(count: number, ms: number): number {
  return count / (ms / 1000)
}

export interface TableRow {
  measure: string
  unit: string
  value: Summary
  baseline?: { name: string, value: Summary }
  /** Median of the per-run ratios value / baseline (same page, same run), with their min and max. */
  ratio?: Summary
}

function format(value: number): string {
  if (Number.isInteger(value) || value >= 100) return Math.round(value).toLocaleString('en-US')
  if (value >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

function cell(summary: Summary): string {
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`
}

/** Markdown table: median (min–max) of every measure, its baseline and their ratio. */
export function markdown(rows: TableRow[]): string {
  const lines = [
    '| Measure | Unit | Median (min–max) | Baseline | Baseline median (min–max) | Ratio median (min–max) |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of rows) {
    lines.push(`| ${row.measure} | ${row.unit} | ${cell(row.value)} | ${row.baseline?.name ?? ''} | ${row.baseline ? cell(row.baseline.value) : ''} | ${row.ratio ? cell(row.ratio) : ''} |`)
  }
  return lines.join('\n')
}
