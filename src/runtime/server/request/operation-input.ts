import { getRequestURL, type H3Event } from 'h3'
import type { OperationInput, ServiceSettings } from '../operations/context'
import { readIfMatch } from './if-match'
import { readQueryOptions } from './query-options'
import { readJsonObject } from './read-body'

/** An operation's input from its own HTTP request: the JSON body, `If-Match`, `__includeDeleted`, the request URL. */
export function httpInput(event: H3Event, settings: ServiceSettings): OperationInput {
  return {
    body: () => readJsonObject(event, settings.maxBodySize),
    ifMatch: () => readIfMatch(event),
    includeDeleted: () => readQueryOptions(event, settings.maxTop).includeDeleted,
    itemUrl: (id) => {
      const url = getRequestURL(event)
      return `${url.origin}${url.pathname.replace(/\/$/, '')}/${encodeURIComponent(id)}`
    },
  }
}
