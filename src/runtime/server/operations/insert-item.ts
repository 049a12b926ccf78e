import { randomUUID } from 'node:crypto'
import { notFound } from '../errors'
import { readItem as readBodyItem, toSqlValues } from '../protocol/item-values'
import type { SyncItem } from '../types'
import { beforeWrite } from './before-write'
import { itemResponse, type OperationContext, type SyncResponse } from './context'

/**
 * `POST /tables/{t}`: 201 with the stored item, its `ETag` (and `Location` in v3). The id comes from the
 * body or is a new GUID. An existing id is a 409 with the server's item when the caller may see that row;
 * a row outside the caller's view (another owner's, or filtered out by a hook) answers 404 exactly like an
 * unknown row does elsewhere, so its content never leaks.
 */
export async function insertItem(ctx: OperationContext): Promise<SyncResponse> {
  const input = readBodyItem(ctx.spec, await ctx.input.body(), false)
  const id = input.id ?? randomUUID()
  const item = await beforeWrite({ ...ctx, id }, 'insert', { id, ...input.columns }, null)
  const columns: SyncItem = { ...item }
  delete columns.id
  const values: Record<string, unknown> = { id, ...toSqlValues(ctx.spec, columns) }
  if (ctx.spec.owner && ctx.scope.user) values[ctx.spec.owner] = ctx.scope.user.id

  const result = await ctx.repo.insert(ctx.spec, values, ctx.scope.view)
  if ('row' in result) {
    const response = itemResponse(ctx, 201, result.row)
    if (ctx.protocol === '3.0.0' && ctx.input.itemUrl) response.headers!.Location = ctx.input.itemUrl(id)
    return response
  }
  if (!result.existing) throw notFound(`The item ${JSON.stringify(id)} cannot be inserted`)
  return itemResponse(ctx, 409, result.existing)
}
