import { toSqlValues } from '../protocol/item-values'
import { toItem } from '../protocol/to-item'
import { beforeWrite } from './before-write'
import { conditionalWrite } from './conditional-write'
import { itemResponse, type OperationContext, type SyncResponse } from './context'
import { findTarget } from './row-state'

/**
 * `DELETE /tables/{t}/{id}`: soft delete (`deleted = true`, newly stamped) or, for tables without soft
 * delete, removal. v2 answers 200 with the deleted item and its `ETag`, v3 204. An already deleted row is
 * 404 (v2) / 410 (v3); `If-Match` mismatch is 412 with the server's item.
 */
export async function deleteItem(ctx: OperationContext): Promise<SyncResponse> {
  const condition = ctx.input.ifMatch()
  const current = toItem(ctx.spec, await findTarget(ctx, false), ctx.protocol)
  await beforeWrite(ctx, 'delete', { ...current }, current)

  const result = await conditionalWrite(ctx, {
    operation: 'delete',
    condition,
    conflictStatus: 412,
    allowDeleted: false,
    client: null,
    perform: (_current, writer) => ctx.spec.softDelete ? writer.update({ deleted: true }) : writer.remove(),
    keep: (_current, writer, kept) => writer.update(toSqlValues(ctx.spec, kept)),
  })
  if ('conflict' in result) return result.conflict
  return ctx.protocol === '2.0.0' ? itemResponse(ctx, 200, result.row) : { status: 204 }
}
