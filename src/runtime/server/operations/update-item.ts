import { resolveScope } from '../access'
import { badRequest } from '../errors'
import { readItem as readBodyItem, toSqlValues } from '../protocol/item-values'
import type { IfMatch } from '../request/if-match'
import { toItem } from '../protocol/to-item'
import { beforeWrite } from './before-write'
import { conditionalWrite } from './conditional-write'
import { itemResponse, type OperationContext, type SyncResponse } from './context'
import { findTarget } from './row-state'

/**
 * `PATCH /tables/{t}/{id}` (merge: only the columns sent change) and `PUT /tables/{t}/{id}` (replace: absent
 * user columns become null). 200 with the stored item and its `ETag`. `If-Match` mismatch: 412 with the
 * server's item; a v2 body `version` without `If-Match` is checked the same way and answers 409. A body
 * `deleted` is applied (undelete with `deleted: false` and `__includeDeleted=true`, as the v3 protocol does).
 */
export async function updateItem(ctx: OperationContext, replace: boolean): Promise<SyncResponse> {
  const input = readBodyItem(ctx.spec, await ctx.input.body(), replace)
  if (input.id !== undefined && input.id !== ctx.id) throw badRequest('The item ID and the URL ID do not match')
  if (input.deleted === true && !ctx.spec.softDelete) throw badRequest(`Table '${ctx.spec.name}' does not use soft delete; send DELETE instead`)
  const includeDeleted = ctx.input.includeDeleted()
  let condition: IfMatch = ctx.input.ifMatch()
  let conflictStatus: 409 | 412 = 412
  if (condition === undefined && ctx.protocol === '2.0.0' && input.version !== undefined) {
    condition = [input.version]
    conflictStatus = 409
  }

  // A body `deleted: true` (or `false` on a deleted row) is also a delete (undelete): that operation's access,
  // filters and before-write hooks apply too, so an update cannot get around them.
  const also = input.deleted === true ? 'delete' : input.deleted === false && includeDeleted ? 'undelete' : undefined
  if (also) {
    const scope = ctx.scopeFor ? await ctx.scopeFor(also) : await resolveScope(ctx.hooks, ctx.event, ctx.spec, ctx.protocol, also, ctx.scope.user)
    ctx = { ...ctx, scope: { user: ctx.scope.user, view: [...ctx.scope.view, ...scope.view] } }
  }

  const current = toItem(ctx.spec, await findTarget(ctx, includeDeleted), ctx.protocol)
  if (also) await beforeWrite(ctx, also, { ...current }, current)
  const columns = await beforeWrite(ctx, 'update', input.columns, current)
  const values = toSqlValues(ctx.spec, columns)
  if (input.deleted !== undefined) values.deleted = input.deleted

  const result = await conditionalWrite(ctx, {
    operation: 'update',
    condition,
    conflictStatus,
    allowDeleted: includeDeleted,
    client: columns,
    perform: (_current, writer) => writer.update(values),
    keep: (_current, writer, kept) => writer.update(toSqlValues(ctx.spec, kept)),
  })
  return 'conflict' in result ? result.conflict : itemResponse(ctx, 200, result.row)
}
