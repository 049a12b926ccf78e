import type { ProtocolVersion } from '../../core/protocol/system'
import { decodeQueryPart, queryPairs } from '../request/read-query'
import type { SyncItem } from '../types'

export interface ListPage {
  items: SyncItem[]
  /** Total rows of the query when counting was asked for. */
  count?: number
  /** Whether rows follow this page within the query (and within `$top`). */
  more: boolean
  skip: number
  top?: number
}

function withPaging(pairs: string[], skip: number, top: number | undefined): string[] {
  const kept = pairs.filter((pair) => {
    const name = decodeQueryPart(pair.split('=')[0] ?? '')
    return name !== '$skip' && name !== '$top'
  })
  if (top !== undefined && top > 0) kept.push(`%24top=${top}`)
  kept.push(`%24skip=${skip}`)
  return kept
}

/**
 * v2 `Link` header: the absolute URL of the next page, the request's query with `$top` reduced by the rows
 * sent and `$skip` advanced, followed by `; rel=next`, without angle brackets (as the stock Node server
 * writes it and the stock JS client parses it). A v2 page holds all of `$top`, so only a request without `$top`
 * (a page of `pageSize` rows) gets one.
 */
export function nextLinkHeader(url: URL, page: ListPage): string | undefined {
  const next = nextPaging(page)
  if (!next) return undefined
  const pairs = withPaging(queryPairs(url.search), next.skip, next.top)
  return `${url.origin}${url.pathname}?${pairs.join('&')}; rel=next`
}

/** v3 `nextLink`: the request's query string with the new `$skip`/`$top` and no `?` (the Datasync toolkit's form). */
export function nextLinkQuery(url: URL, page: ListPage): string | null {
  const next = nextPaging(page)
  if (!next) return null
  return withPaging(queryPairs(url.search), next.skip, next.top).join('&').replace(/%24(top|skip)=/g, '$$$1=')
}

function nextPaging(page: ListPage): { skip: number, top?: number } | undefined {
  if (!page.more || page.items.length === 0) return undefined
  const top = page.top === undefined ? undefined : page.top - page.items.length
  if (top !== undefined && top <= 0) return undefined
  return { skip: page.skip + page.items.length, top }
}

/** The list body: v2 an array, or `{ results, count }` when counted; v3 `{ items, count?, nextLink? }`. */
export function listBody(protocol: ProtocolVersion, page: ListPage, nextLink: string | null): unknown {
  if (protocol === '2.0.0') return page.count === undefined ? page.items : { results: page.items, count: page.count }
  const body: Record<string, unknown> = { items: page.items }
  if (page.count !== undefined) body.count = page.count
  if (nextLink) body.nextLink = nextLink
  return body
}
