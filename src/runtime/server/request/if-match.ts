import { getRequestHeader, type H3Event } from 'h3'
import { versionFromEtag } from '../../core/protocol/system'

/** The versions an `If-Match` header accepts: `'*'` (any), a list of versions, or `undefined` without the header. */
export type IfMatch = '*' | string[] | undefined

/** Parses `If-Match: "v1"`, `"v1", "v2"` or `*`. Weak tags (`W/"…"`) never match, as in the Datasync server. */
export function readIfMatch(event: H3Event): IfMatch {
  const header = getRequestHeader(event, 'if-match')?.trim()
  if (!header) return undefined
  if (header === '*') return '*'
  const tags = header.match(/W\/"(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*"|[^,\s]+/g) ?? []
  return tags.filter(tag => !tag.startsWith('W/')).map(tag => versionFromEtag(tag))
}

/** Whether the current version satisfies the condition (no condition: always). */
export function versionMatches(condition: IfMatch, version: string): boolean {
  if (condition === undefined || condition === '*') return true
  return condition.includes(version)
}
