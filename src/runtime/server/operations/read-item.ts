import { readQueryOptions } from '../request/query-options'
import { compileQuery } from './compile-query'
import { itemResponse, type OperationContext, type SyncResponse } from './context'
import { findTarget } from './row-state'

/** `GET /tables/{t}/{id}`: 200 with the item and its `ETag`; 404 unknown; soft-deleted 404 (v2) / 410 (v3) unless `__includeDeleted=true`. */
export async function readItem(ctx: OperationContext): Promise<SyncResponse> {
  const options = readQueryOptions(ctx.event, ctx.settings.maxTop)
  const { select } = compileQuery(ctx.spec, { ...options, filter: undefined, orderBy: undefined })
  return itemResponse(ctx, 200, await findTarget(ctx, options.includeDeleted), select)
}
