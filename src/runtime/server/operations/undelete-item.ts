import { toSqlValues } from '../protocol/item-values'
import { toItem } from '../protocol/to-item'
import { beforeWrite } from './before-write'
import { conditionalWrite } from './conditional-write'
import { itemResponse, type OperationContext, type SyncResponse } from './context'
import { findTarget } from './row-state'

/**
 * `POST /tables/{t}/{id}` (v2): undelete a soft-deleted row (newly stamped), 200 with the item and its
 * `ETag`. A row that is not deleted is answered as it is, unchanged. `If-Match` mismatch: 412.
 */
export async function undeleteItem(ctx: OperationContext): Promise<SyncResponse> {
  const condition = ctx.input.ifMatch()
  const current = toItem(ctx.spec, await findTarget(ctx, true), ctx.protocol)
  await beforeWrite(ctx, 'undelete', { ...current }, current)

  const result = await conditionalWrite(ctx, {
    operation: 'undelete',
    condition,
    conflictStatus: 412,
    allowDeleted: true,
    client: null,
    perform: async (current, writer) => current.deleted === true ? writer.update({ deleted: false }) : current,
    keep: (_current, writer, kept) => writer.update({ ...toSqlValues(ctx.spec, kept), deleted: false }),
  })
  return 'conflict' in result ? result.conflict : itemResponse(ctx, 200, result.row)
}
