/** Both sides of a conflict field by field, and the merge the panel edits. Pure functions. */
import { SYSTEM_COLUMNS as PROTOCOL_SYSTEM_COLUMNS } from '../../src/runtime/core/protocol/system'
import type { ConflictRecord } from '../../src/runtime/core/sync/contract'

/** Columns the server keeps (the protocol's): shown last and dimmed, never edited in a merge (except `id`, which stays). */
const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(PROTOCOL_SYSTEM_COLUMNS)

export interface FieldDiff {
  name: string
  client: unknown
  server: unknown
  /** Whether the two sides mean different values. */
  differs: boolean
  system: boolean
}

type Item = Record<string, unknown> | undefined

/** An ISO date-time string as epoch ms, so that two spellings of one instant compare equal. */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/** JSON with object keys sorted, so that key order does not make two values differ. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return inner
    return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
  })
}

/** Whether two column values mean the same: `null` and missing alike, date-times by instant, the rest by value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if ((a ?? null) === (b ?? null)) return true
  const ta = instant(a)
  if (ta !== undefined && ta === instant(b)) return true
  return canonical(a) === canonical(b)
}

/** Every field of either side (the app's columns first, in order of appearance, then the system columns). */
export function fieldDiff(client: Item, server: Item): FieldDiff[] {
  const names = [...new Set([...Object.keys(client ?? {}), ...Object.keys(server ?? {})])]
  const fields = names.map(name => ({
    name,
    client: client?.[name],
    server: server?.[name],
    differs: !sameValue(client?.[name], server?.[name]),
    system: SYSTEM_COLUMNS.has(name),
  }))
  return [...fields.filter(field => !field.system), ...fields.filter(field => field.system)]
}

/** The merge to start editing from: the server's columns with mine on top, and the item's id. */
export function mergeDraft(conflict: Pick<ConflictRecord, 'itemId' | 'clientItem' | 'serverItem'>): Record<string, unknown> {
  const draft: Record<string, unknown> = { id: conflict.itemId }
  for (const side of [conflict.serverItem, conflict.clientItem]) {
    for (const [name, value] of Object.entries(side ?? {})) {
      if (!SYSTEM_COLUMNS.has(name)) draft[name] = value
    }
  }
  return draft
}

export type MergeCheck = { item: Record<string, unknown>, error?: undefined } | { item?: undefined, error: string }

/**
 * Checks an edited merge (JSON text) before it is sent: an object, the conflict's `id` (added when left out), no
 * other system column, and only fields one of the sides has (a typo would otherwise be stored as a new column).
 */
export function parseMerge(text: string, conflict: Pick<ConflictRecord, 'itemId' | 'clientItem' | 'serverItem'>): MergeCheck {
  let value: unknown
  try {
    value = JSON.parse(text)
  }
  catch (error) {
    return { error: `Not valid JSON: ${(error as Error).message}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'The merged item must be a JSON object.' }
  const item = value as Record<string, unknown>
  if ('id' in item && item.id !== conflict.itemId) return { error: `"id" must stay "${conflict.itemId}".` }
  const known = new Set([...Object.keys(conflict.clientItem ?? {}), ...Object.keys(conflict.serverItem ?? {})])
  for (const name of Object.keys(item)) {
    if (name !== 'id' && SYSTEM_COLUMNS.has(name)) return { error: `Remove "${name}": the server sets it.` }
    if (name !== 'id' && !known.has(name)) return { error: `Unknown field "${name}": neither side has it.` }
  }
  return { item: { ...item, id: conflict.itemId } }
}
