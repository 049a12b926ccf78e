import { toItem } from '../protocol/to-item'
import type { SqlRow, SyncBeforeWriteContext, SyncItem, SyncWriteOperation } from '../types'
import type { OperationContext } from './context'

/** Runs `offline-sync:before-write`; returns the item as the hooks left it (they may also throw 400/403). */
export async function beforeWrite(ctx: OperationContext, operation: SyncWriteOperation, item: SyncItem, existing: SqlRow | undefined): Promise<SyncItem> {
  if (!ctx.hooks) return item
  const hookContext: SyncBeforeWriteContext = {
    event: ctx.event, table: ctx.spec.name, protocol: ctx.protocol, operation, user: ctx.scope.user, id: ctx.id,
    item, existing: existing ? toItem(ctx.spec, existing, ctx.protocol) : null,
  }
  await ctx.hooks.callHook('offline-sync:before-write', hookContext)
  const result = hookContext.item
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    throw new TypeError('offline-sync:before-write must leave item an object')
  }
  return result
}
