/**
 * Timestamp literals of `$filter`: `datetime'…'`, `datetimeoffset'…'`, `cast(…,Edm.DateTimeOffset)` and
 * bare ISO timestamps. Values are normalised to UTC without going through `Date`, so fractional digits
 * beyond milliseconds (NETC sends seven) are kept exactly instead of being rounded.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(?:(Z)|([+\- ])(\d{2}):?(\d{2}))?)?$/i
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return month === 2 && leap ? 29 : DAYS[month - 1]!
}

/**
 * `text` as UTC `YYYY-MM-DDTHH:mm:ss.fff…Z` (at least three fractional digits, more only when given and
 * not zero), or `undefined` when it is not a valid timestamp. A missing offset means UTC; a space in place
 * of the offset's `+` (an undecoded `+` in a query string) is tolerated.
 */
export function normaliseTimestamp(text: string): string | undefined {
  const m = TIMESTAMP.exec(text.trim())
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map(i => Number(m[i] ?? 0)) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (m[9]) {
    const oh = Number(m[10])
    const om = Number(m[11])
    if (oh > 23 || om > 59) return undefined
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second))
  date.setUTCFullYear(year)
  const utc = new Date(date.getTime() - offsetMinutes * 60_000)
  const utcYear = utc.getUTCFullYear()
  if (utcYear < 1 || utcYear > 9999) return undefined
  const fraction = (m[7] ?? '').replace(/0+$/, '').padEnd(3, '0')
  return `${utc.toISOString().slice(0, 19)}.${fraction}Z`
}

/** A normalised timestamp as PostgreSQL can hold it (microseconds), and whether digits were dropped. */
export interface TimestampParameter {
  /** The value truncated (never rounded) to microseconds. */
  text: string
  /** True when the literal had non-zero digits beyond microseconds, i.e. lies strictly between two microseconds. */
  inexact: boolean
}

export function timestampParameter(normalised: string): TimestampParameter {
  const fraction = normalised.slice(20, -1)
  return {
    text: `${normalised.slice(0, 20)}${fraction.slice(0, 6)}Z`,
    inexact: /[1-9]/.test(fraction.slice(6)),
  }
}
