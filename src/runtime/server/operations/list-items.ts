import { getRequestURL } from 'h3'
import { toItem } from '../protocol/to-item'
import { listBody, nextLinkHeader, nextLinkQuery, type ListPage } from '../protocol/list-page'
import { readQueryOptions } from '../request/query-options'
import type { SyncRowFilter } from '../types'
import { compileQuery } from './compile-query'
import type { OperationContext, SyncResponse } from './context'

/**
 * `GET /tables/{t}`: one page of the query. Pages hold at most the page size (v2) or twice it (v3) whatever
 * `$top` asks; one extra row is read to know whether a next page exists (`Link` in v2, `nextLink` in v3).
 */
export async function listItems(ctx: OperationContext): Promise<SyncResponse> {
  const options = readQueryOptions(ctx.event, ctx.settings.maxTop)
  const query = compileQuery(ctx.spec, options)
  const where: SyncRowFilter[] = [...ctx.scope.view]
  if (!options.includeDeleted) where.push(eb => eb('deleted', '=', false))
  if (query.filter) where.push(query.filter)
  const pageSize = ctx.protocol === '2.0.0' ? ctx.settings.pageSize : ctx.settings.pageSize * 2
  const limit = Math.min(options.top ?? pageSize, pageSize)

  const { rows, count } = await ctx.repo.list(ctx.spec, { where, orderBy: query.orderBy, offset: options.skip, limit: limit + 1, count: options.count })
  const page: ListPage = {
    items: rows.slice(0, limit).map(row => toItem(ctx.spec, row, ctx.protocol, query.select)),
    count,
    more: rows.length > limit,
    skip: options.skip,
    top: options.top,
  }
  const url = getRequestURL(ctx.event)
  if (ctx.protocol === '3.0.0') return { status: 200, body: listBody(ctx.protocol, page, nextLinkQuery(url, page)) }
  const link = nextLinkHeader(url, page)
  return { status: 200, body: listBody(ctx.protocol, page, null), headers: link ? { Link: link } : undefined }
}
