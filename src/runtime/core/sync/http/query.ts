import { ProtocolError, ValidationError } from '../../errors'
import type { ListPage, ListQuery, ServerItem } from '../contract'
import { asServerItem, expectJson, type HttpReply } from './send'

/** `encodeURIComponent`, which writes a space as `%20` and keeps OData's `'` quotes as they are. */
const encode = encodeURIComponent

function wholeNumber(table: string, name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(table, name, `must be a whole number ≥ 0, got ${String(value)}`)
  return String(value)
}

/**
 * The query string (without `?`) of a list request: `$filter`, `$orderby`, `$top`, `$skip`, `__includeDeleted=true`,
 * in that order, each value percent-encoded. Empty when the query asks for nothing. A `top` or `skip` that is not
 * a whole number ≥ 0 throws `ValidationError` (field `$top`/`$skip`, on `table` when given) before anything is sent.
 */
export function listQueryString(query: ListQuery = {}, table = 'list query'): string {
  const pairs: string[] = []
  if (query.filter !== undefined && query.filter.trim() !== '') pairs.push(`$filter=${encode(query.filter)}`)
  if (query.orderBy !== undefined && query.orderBy.trim() !== '') pairs.push(`$orderby=${encode(query.orderBy)}`)
  if (query.top !== undefined) pairs.push(`$top=${wholeNumber(table, '$top', query.top)}`)
  if (query.skip !== undefined) pairs.push(`$skip=${wholeNumber(table, '$skip', query.skip)}`)
  if (query.includeDeleted) pairs.push('__includeDeleted=true')
  return pairs.join('&')
}

/**
 * The next page's URL in a v2 `Link` header: `<url>; rel=next` (RFC 8288, possibly among other links) or
 * `url; rel=next` (the stock Node server's form, without angle brackets).
 */
export function nextLinkFromHeader(header: string | null): string | undefined {
  if (!header) return undefined
  const isNext = (params: string) => {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/i.exec(params)
    return !!rel && (rel[1] ?? rel[2] ?? '').toLowerCase().split(/\s+/).includes('next')
  }
  if (header.trimStart().startsWith('<')) {
    for (const match of header.matchAll(/<([^>]*)>([^,<]*)/g)) {
      if (isNext(match[2] ?? '')) return match[1]
    }
    return undefined
  }
  const at = header.indexOf(';')
  if (at < 0 || !isNext(header.slice(at))) return undefined
  return header.slice(0, at).trim() || undefined
}

/**
 * A list answer as a page: a JSON array (v2), `{ results, count }` (v2 counted) or `{ items, nextLink }` (v3),
 * whatever version was asked for. `nextLink` is the `Link` header's URL, or the body's `nextLink`; a v3
 * `nextLink` that is only a query string is completed with `tableUrl`. Every item needs a string id
 * (`ProtocolError` otherwise); the rest of the pull's checks are the caller's.
 */
export function readListPage(reply: HttpReply, tableUrl: string): ListPage {
  const body = expectJson(reply)
  let rows: unknown
  let bodyNext: unknown
  if (Array.isArray(body)) rows = body
  else if (body !== null && typeof body === 'object') {
    const record = body as Record<string, unknown>
    rows = Array.isArray(record.items) ? record.items : record.results
    bodyNext = record.nextLink
  }
  if (!Array.isArray(rows)) throw new ProtocolError(reply.url, 'a list answer is neither an array, { results } nor { items }')
  const items: ServerItem[] = rows.map((row, index) => {
    const item = asServerItem(row)
    if (!item) throw new ProtocolError(reply.url, `row ${index} of the list is not an item with a string id`)
    return item
  })
  const page: ListPage = { items }
  const nextLink = nextLinkFromHeader(reply.headers.get('link'))
    ?? (typeof bodyNext === 'string' && bodyNext !== '' ? completeNextLink(bodyNext, tableUrl) : undefined)
  if (nextLink) page.nextLink = nextLink
  return page
}

function completeNextLink(link: string, tableUrl: string): string {
  if (/^[a-z][a-z\d+.-]*:/i.test(link) || link.startsWith('/')) return link
  return `${tableUrl}?${link.replace(/^\?/, '')}`
}
