/** Words for the panel: times, counts, values and errors. Pure functions (the caller passes `now`). */

const UNITS: [limit: number, size: number, unit: string][] = [
  [60_000, 1000, 's'],
  [3_600_000, 60_000, 'min'],
  [86_400_000, 3_600_000, 'h'],
  [Infinity, 86_400_000, 'd'],
]

/** A short distance in time: `now`, `12 s`, `3 min`, `5 h`, `2 d` (whole units, rounded down). */
export function duration(ms: number): string {
  const size = Math.abs(ms)
  if (size < 1000) return 'now'
  const [, unitSize, unit] = UNITS.find(([limit]) => size < limit)!
  return `${Math.floor(size / unitSize)} ${unit}`
}

/** `12 s ago`, `in 3 min`, or `just now`, for an epoch-ms time seen at `now`. */
export function relativeTime(at: number, now: number): string {
  const text = duration(now - at)
  if (text === 'now') return 'just now'
  return at <= now ? `${text} ago` : `in ${text}`
}

/** Local date and time of an epoch-ms time, for titles and detail panes. */
export function clockTime(at: number): string {
  return new Date(at).toLocaleString()
}

/** A count with thousands separators. */
export function count(value: number): string {
  return value.toLocaleString('en-US')
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** A size in bytes, in decimal units: `512 B`, `1.5 kB`, `12 MB`, `300 GB` (one decimal below 10). */
export function bytes(value: number): string {
  let size = value
  let unit = 0
  while (size >= 1000 && unit < BYTE_UNITS.length - 1) {
    size /= 1000
    unit++
  }
  const shown = unit === 0 || size >= 10 ? Math.round(size) : Math.round(size * 10) / 10
  return `${shown} ${BYTE_UNITS[unit]}`
}

/** `1 conflict`, `2 conflicts`, `1,000 operations`. */
export function plural(value: number, noun: string): string {
  return `${count(value)} ${noun}${value === 1 ? '' : 's'}`
}

/** One value of a row for a table cell: `—` for nothing, strings as they are, the rest as JSON. */
export function cellValue(value: unknown): string {
  if (value === undefined || value === null) return '—'
  if (typeof value === 'string') return value === '' ? '""' : value
  return JSON.stringify(value)
}

const ACTIONS: Record<string, string> = { push: 'Push', retry: 'Retry of #', discard: 'Discard of #', resolve: 'Resolving conflict #', pull: 'Pull of ', purge: 'Purge of ' }

/** A host action's busy key (`push`, `retry:12`, `pull:todos`…) as words: `Push`, `Retry of #12`, `Pull of todos`. */
export function actionLabel(key: string): string {
  const at = key.indexOf(':')
  const [kind, subject] = at < 0 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)]
  const label = ACTIONS[kind]
  return label ? `${label}${subject}` : key
}

/** The message of anything thrown, also by the app's frame (whose `Error` is not this frame's `Error`). */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { name, message } = error as { name?: unknown, message: string }
    return typeof name === 'string' && name !== 'Error' && name !== '' ? `${name}: ${message}` : message
  }
  return String(error)
}
