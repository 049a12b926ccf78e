import type { SyncBeforeWriteContext, SyncItem, SyncWriteOperation } from '../types'
import type { OperationContext } from './context'

/**
 * Runs `offline-sync:before-write`; returns the item as the hooks left it (they may also throw 400/403).
 * `existing` is the current server item (`toItem` of the row), `null` for an insert.
 */
export async function beforeWrite(ctx: OperationContext, operation: SyncWriteOperation, item: SyncItem, existing: SyncItem | null): Promise<SyncItem> {
  if (!ctx.hooks) return item
  const hookContext: SyncBeforeWriteContext = {
    event: ctx.event, table: ctx.spec.name, protocol: ctx.protocol, operation, user: ctx.scope.user, id: ctx.id,
    item, existing,
  }
  await ctx.hooks.callHook('offline-sync:before-write', hookContext)
  const result = hookContext.item
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    throw new TypeError('offline-sync:before-write must leave item an object')
  }
  return result
}
