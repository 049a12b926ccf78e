import type { ProtocolVersion } from '../../core/protocol/system'
import { notFound, SyncHttpError } from '../errors'
import { versionMatches, type IfMatch } from '../request/if-match'
import type { SqlRow } from '../types'

/** How a targeted row stands against a request: absent, soft-deleted, of another version, or fine. */
interface Missing { kind: 'missing' }
interface Found<K extends string> { kind: K, row: SqlRow }
export type RowState = Missing | Found<'deleted'> | Found<'conflict'> | Found<'ok'>

export function rowState(row: SqlRow | undefined, options: { allowDeleted: boolean, condition: IfMatch }): RowState {
  if (!row) return { kind: 'missing' }
  if (row.deleted === true && !options.allowDeleted) return { kind: 'deleted', row }
  if (!versionMatches(options.condition, String(row.version))) return { kind: 'conflict', row }
  return { kind: 'ok', row }
}

/** 404 for an unknown (or invisible) id; a soft-deleted row is 404 in v2 and 410 Gone in v3. */
export function absentError(state: { kind: 'missing' | 'deleted' }, protocol: ProtocolVersion): SyncHttpError {
  if (state.kind === 'deleted' && protocol === '3.0.0') return new SyncHttpError(410, 'The item has been deleted')
  return notFound()
}
