import type { H3Event } from 'h3'
import { badRequest } from '../errors'
import { readQuery } from './read-query'

/** The query options of a table request, unparsed where the OData layer parses them. */
export interface QueryOptions {
  filter?: string
  orderBy?: string
  select?: string
  top?: number
  skip: number
  /** `$inlinecount=allpages` (v2) or `$count=true` (v3). */
  count: boolean
  /** `__includeDeleted=true`, name in any case. */
  includeDeleted: boolean
}

function single(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) throw badRequest(`The query option ${name} may be given only once`)
  return String(value)
}

function count(name: string, value: string | undefined, maxTop?: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value.trim())) throw badRequest(`The query option ${name} must be a whole number of at least 0`)
  const number = Number(value.trim())
  if (maxTop !== undefined && number > maxTop) throw badRequest(`You cannot request more than ${maxTop} records ($top)`)
  return number
}

/**
 * Reads `$filter $orderby $select $top $skip $inlinecount $count __includeDeleted` (pairs as `readQuery`
 * splits them); a bad value is a 400.
 */
export function readQueryOptions(event: H3Event, maxTop: number): QueryOptions {
  const query = readQuery(event)
  let includeDeleted = false
  for (const [name, value] of Object.entries(query)) {
    if (name.toLowerCase() === '__includedeleted') includeDeleted = single(name, value)?.trim().toLowerCase() === 'true'
  }
  const inlineCount = single('$inlinecount', query.$inlinecount)?.trim().toLowerCase()
  if (inlineCount !== undefined && inlineCount !== 'allpages' && inlineCount !== 'none') {
    throw badRequest('The query option $inlinecount must be allpages or none')
  }
  const countOption = single('$count', query.$count)?.trim().toLowerCase()
  if (countOption !== undefined && countOption !== 'true' && countOption !== 'false') {
    throw badRequest('The query option $count must be true or false')
  }
  return {
    filter: single('$filter', query.$filter),
    orderBy: single('$orderby', query.$orderby),
    select: single('$select', query.$select),
    top: count('$top', single('$top', query.$top), maxTop),
    skip: count('$skip', single('$skip', query.$skip)) ?? 0,
    count: inlineCount === 'allpages' || countOption === 'true',
    includeDeleted,
  }
}
