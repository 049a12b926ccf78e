import type { IfMatch } from '../request/if-match'
import { toItem } from '../protocol/to-item'
import type { RowWriter } from '../repository'
import type { SqlRow, SyncConflictContext, SyncItem } from '../types'
import type { OperationContext, SyncResponse } from './context'
import { itemResponse } from './context'
import { absentError, rowState, type RowState } from './row-state'

type Perform = (current: SqlRow, writer: RowWriter) => Promise<SqlRow>

export interface ConditionalWrite {
  operation: SyncConflictContext['operation']
  condition: IfMatch
  /** 412 for `If-Match`, 409 for a v2 body `version`. */
  conflictStatus: 409 | 412
  /** Whether a soft-deleted row may be targeted (`__includeDeleted=true`, undelete). */
  allowDeleted: boolean
  /** The columns the client wanted to write, shown to the conflict hook. */
  client: SyncItem | null
  /** The requested write. */
  perform: Perform
  /** Stores the user columns a conflict hook chose to keep. */
  keep: (current: SqlRow, writer: RowWriter, columns: SyncItem) => Promise<SqlRow>
}

/** The user columns of an item a hook returned (system columns and unknown names dropped). */
function userColumns(ctx: OperationContext, item: SyncItem): SyncItem {
  const columns: SyncItem = {}
  for (const column of Object.keys(ctx.spec.columns)) {
    if (column !== ctx.spec.owner && Object.hasOwn(item, column)) columns[column] = item[column]
  }
  return columns
}

async function askConflictHook(ctx: OperationContext, write: ConditionalWrite, server: SqlRow): Promise<SyncConflictContext['resolution']> {
  if (!ctx.hooks) return undefined
  const hookContext: SyncConflictContext = {
    event: ctx.event, table: ctx.spec.name, protocol: ctx.protocol, operation: write.operation, user: ctx.scope.user,
    id: ctx.id, server: toItem(ctx.spec, server, ctx.protocol), client: write.client,
  }
  await ctx.hooks.callHook('offline-sync:conflict', hookContext)
  return hookContext.resolution
}

/**
 * Runs a write on the row of `ctx.id` in one transaction, if the row is visible, not soft-deleted (unless
 * allowed) and at a version the condition accepts. On a version mismatch the `offline-sync:conflict` hook
 * may settle it; its resolution is written only if the row is still at the version the hook saw.
 * Returns the written row, or the 409/412 response with the server's item.
 */
export async function conditionalWrite(ctx: OperationContext, write: ConditionalWrite): Promise<{ row: SqlRow } | { conflict: SyncResponse }> {
  const run = (condition: IfMatch, perform: Perform) => ctx.repo.modify(ctx.spec, ctx.id, ctx.scope.view,
    async (current, writer): Promise<RowState | { kind: 'written', row: SqlRow }> => {
      const state = rowState(current, { allowDeleted: write.allowDeleted, condition })
      if (state.kind !== 'ok') return state
      return { kind: 'written', row: await perform(state.row, writer) }
    })

  let result = await run(write.condition, write.perform)
  if (result.kind === 'conflict') {
    const resolution = await askConflictHook(ctx, write, result.row)
    if (resolution !== undefined) {
      const seen = [String(result.row.version)]
      const columns = resolution === 'client' ? undefined : userColumns(ctx, resolution)
      result = await run(seen, columns ? (current, writer) => write.keep(current, writer, columns) : write.perform)
    }
  }
  switch (result.kind) {
    case 'missing':
    case 'deleted':
      throw absentError(result, ctx.protocol)
    case 'conflict':
      return { conflict: itemResponse(ctx, write.conflictStatus, result.row) }
    default:
      return { row: result.row }
  }
}
