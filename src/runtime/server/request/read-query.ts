import type { H3Event } from 'h3'

/** A `?` in a value that is followed by `name=`: the start of one more pair (see `queryPairs`). */
const STRAY_QUESTION_MARK = /\?(?=[^=?&]+=)/

/**
 * The raw (still encoded) `name=value` pairs of a query string, with or without its leading `?`.
 *
 * Tolerates one client bug: `azure-mobile-apps-client` 2.0.1 writes
 * `?$inlinecount=allpages?__includeDeleted=true` when a query has only `includeTotalCount()` and
 * `includeDeleted()`. A `?` written as such (not `%3F`) inside a value and followed by `name=` starts
 * further pairs, so that example reads as `$inlinecount=allpages&__includeDeleted=true`, as the stock
 * Node server understands it. Any other `?` stays part of its value.
 */
export function queryPairs(search: string): string[] {
  const pairs: string[] = []
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const equals = pair.indexOf('=')
    if (equals < 0) {
      pairs.push(pair)
      continue
    }
    const [value, ...more] = pair.slice(equals + 1).split(STRAY_QUESTION_MARK)
    pairs.push(pair.slice(0, equals + 1) + value, ...more)
  }
  return pairs.filter(Boolean)
}

/** A name or value of a query pair decoded like h3 (`+` is a space); a malformed escape stays as written. */
export function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  }
  catch {
    return text
  }
}

type Query = Readonly<Record<string, string | string[]>>

/** The query of each request as last read, so the version check and the query options parse it once. */
const parsed = new WeakMap<H3Event, { path: string, query: Query }>()

/**
 * The query parameters of a request, decoded like h3's `getQuery` (`+` is a space, a repeated name gives an
 * array), from the pairs of `queryPairs`. Parsed once per request (and path); the result is frozen.
 */
export function readQuery(event: H3Event): Query {
  const path = event.path || ''
  const cached = parsed.get(event)
  if (cached?.path === path) return cached.query
  const start = path.indexOf('?')
  const search = start < 0 ? '' : path.slice(start + 1).split('#')[0]!
  const query: Record<string, string | string[]> = Object.create(null)
  for (const pair of queryPairs(search)) {
    const equals = pair.indexOf('=')
    const name = decodeQueryPart(equals < 0 ? pair : pair.slice(0, equals))
    if (!name || name === '__proto__' || name === 'constructor') continue
    const value = equals < 0 ? '' : decodeQueryPart(pair.slice(equals + 1))
    const previous = query[name]
    query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
  }
  Object.freeze(query)
  parsed.set(event, { path, query })
  return query
}
