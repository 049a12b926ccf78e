/** System columns: kept by the server, never shown or compared as the app's own data. */
const SYSTEM_COLUMNS = new Set(['id', 'createdAt', 'updatedAt', 'version', 'deleted'])

export interface ConflictField {
  name: string
  mine: unknown
  theirs: unknown
  differs: boolean
}

/** An ISO date string as epoch ms, so that two spellings of the same instant compare equal. */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/** Whether two column values mean the same (`null` and a missing value are the same; dates by instant). */
export function sameValue(a: unknown, b: unknown): boolean {
  if ((a ?? null) === (b ?? null)) return true
  const [ta, tb] = [instant(a), instant(b)]
  if (ta !== undefined && ta === tb) return true
  return JSON.stringify(a) === JSON.stringify(b)
}

/** The app's columns of both sides of a conflict, in the order they first appear, with whether they differ. */
export function conflictFields(mine: Record<string, unknown> | undefined, theirs: Record<string, unknown> | undefined): ConflictField[] {
  const names = [...new Set([...Object.keys(mine ?? {}), ...Object.keys(theirs ?? {})])]
    .filter(name => !SYSTEM_COLUMNS.has(name))
  return names.map(name => ({
    name,
    mine: mine?.[name],
    theirs: theirs?.[name],
    differs: !sameValue(mine?.[name], theirs?.[name]),
  }))
}

/** A column value for people: yes/no, local date and time, `—` for nothing. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  const ms = instant(value)
  if (ms !== undefined) return new Date(ms).toLocaleString()
  return typeof value === 'string' ? value : JSON.stringify(value)
}
