import { getRequestURL } from 'h3'
import type { ProtocolVersion } from '../../core/protocol/system'
import { toItem } from '../protocol/to-item'
import { listBody, nextLinkHeader, nextLinkQuery, type ListPage } from '../protocol/list-page'
import { readQueryOptions } from '../request/query-options'
import type { SyncRowFilter } from '../types'
import { compileQuery } from './compile-query'
import type { OperationContext, SyncResponse } from './context'

/**
 * `GET /tables/{t}`: one page of the query; one extra row is read to know whether a next page exists (`Link` in
 * v2, `nextLink` in v3, each only while rows remain within `$top`).
 * - v2, as the stock Node server (azure-mobile-apps v4 `parseQuery.js`): `$top` (at most `maxTop`, checked when the
 *   query is read) is the page; `pageSize` applies only to a request without `$top`.
 * - v3, as the Datasync Community Toolkit: pages hold at most twice `pageSize` whatever `$top` asks, and `nextLink`
 *   continues up to `$top`.
 */
export async function listItems(ctx: OperationContext): Promise<SyncResponse> {
  const options = readQueryOptions(ctx.event, ctx.settings.maxTop)
  const query = compileQuery(ctx.spec, options)
  const where: SyncRowFilter[] = [...ctx.scope.view]
  if (!options.includeDeleted) where.push(eb => eb('deleted', '=', false))
  if (query.filter) where.push(query.filter)
  const limit = pageLimit(ctx.protocol, options.top, ctx.settings.pageSize)

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

/** Rows of one page: v2 `$top` or else the page size; v3 `$top` capped at twice the page size. */
function pageLimit(protocol: ProtocolVersion, top: number | undefined, pageSize: number): number {
  if (protocol === '2.0.0') return top ?? pageSize
  return Math.min(top ?? pageSize * 2, pageSize * 2)
}
