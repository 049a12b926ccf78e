import type { ProtocolVersion } from '../../core/protocol/system'
import { notFound, SyncHttpError } from '../errors'
import { versionMatches, type IfMatch } from '../request/if-match'
import type { SqlRow } from '../types'
import type { OperationContext } from './context'

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

/**
 * The row an item request targets, as the caller may see it (`ctx.scope.view`): 404 when there is none, and
 * for a soft-deleted row 404 (v2) / 410 (v3) unless `allowDeleted`. Checked before the hooks run; the write
 * transaction checks again.
 */
export async function findTarget(ctx: OperationContext, allowDeleted: boolean): Promise<SqlRow> {
  const state = rowState(await ctx.repo.find(ctx.spec, ctx.id, ctx.scope.view), { allowDeleted, condition: undefined })
  if (state.kind === 'missing' || state.kind === 'deleted') throw absentError(state, ctx.protocol)
  return state.row
}
