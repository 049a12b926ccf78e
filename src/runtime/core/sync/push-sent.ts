import { parseIsoDate } from '../column-value'
import type { TableDefinition } from '../schema'

/**
 * Fingerprints of what push sent. An insert or update carries no payload (push reads the row at push time), so
 * when the user edits a row whose last answer was lost, the retry sends other values than the earlier attempt the
 * server may have applied. The operation keeps, in `sent`, a fingerprint of each body it sent since its version
 * was last confirmed; a 409/412 whose server item matches one of them is that earlier attempt's success (see
 * `recogniseLostResponse`), not a conflict with someone else.
 *
 * A fingerprint, not the body: an operation is written on every push attempt, and a row may hold large text or
 * JSON; 16 hex characters per attempt keep the queue small whatever the row. The price is a 64-bit hash: two
 * different bodies share one with odds of about 2^-64 per pair, and even then the outcome is only that a server
 * row equal to that other body is taken for ours (the operation is then sent again as an update of it).
 */

/** How many fingerprints an operation keeps (the newest ones): attempts whose answer was lost, bodies that differ. */
export const MAX_SENT = 4

/**
 * The canonical JSON of a JSON value: object keys sorted at every level, `undefined` members left out (as
 * `JSON.stringify` does), so that two equal values give one text whatever their key order.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`
}

/** 64-bit string hash (two independent 32-bit multiply-xorshift lanes, cyrb53's mixing) as 16 hex digits. */
function hash64(text: string): string {
  let h1 = 0xDEADBEEF
  let h2 = 0x41C6CE57
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0')
}

/**
 * The fingerprint of the user values of a body we send or of an item the server holds, compared with the
 * equality rules of `sameAsSent`: the declared columns (the owner column is left out: the server stamps it), a
 * missing value as `null`, dates as instants (`…sssZ`), JSON with its key order ignored. Stricter than
 * `sameAsSent` in one case only: a column the body left out (never set on this device) must be `null` on the server.
 */
export function fingerprint(definition: TableDefinition, values: Record<string, unknown>): string {
  const normalised: Record<string, unknown> = {}
  for (const [column, type] of Object.entries(definition.columns)) {
    let value = values[column] ?? null
    if (type === 'date' && typeof value === 'string') value = parseIsoDate(value) ?? value
    normalised[column] = value
  }
  return hash64(canonicalJson(normalised))
}

/** `sent` with `entry` as its newest fingerprint (an equal older one moves up), at most `MAX_SENT` long. */
export function withSent(sent: readonly string[] | undefined, entry: string): string[] {
  return [...(sent ?? []).filter(other => other !== entry), entry].slice(-MAX_SENT)
}
