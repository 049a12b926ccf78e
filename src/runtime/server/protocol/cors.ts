import { getRequestHeader, setResponseHeader, setResponseStatus, type H3Event } from 'h3'
import { BATCH_HEADER } from '../../core/protocol/batch'

const METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS'
const HEADERS = 'Content-Type, If-Match, ZUMO-API-VERSION, X-ZUMO-AUTH, X-ZUMO-INSTALLATION-ID, X-ZUMO-VERSION, X-ZUMO-FEATURES, Authorization'
const EXPOSED = `ETag, Link, Location, Last-Modified, ${BATCH_HEADER}`

/** CORS headers of every table response: the allowed origin and the headers clients must read (`ETag`, `Link`, the batch announcement…). */
export function applyCors(event: H3Event, origin: string): void {
  setResponseHeader(event, 'Access-Control-Allow-Origin', origin)
  setResponseHeader(event, 'Access-Control-Expose-Headers', EXPOSED)
  if (origin !== '*') setResponseHeader(event, 'Vary', 'Origin')
}

/** The answer to a CORS preflight (`OPTIONS`, exempt from the `ZUMO-API-VERSION` check): 204. */
export function preflight(event: H3Event): null {
  setResponseStatus(event, 204)
  setResponseHeader(event, 'Access-Control-Allow-Methods', METHODS)
  setResponseHeader(event, 'Access-Control-Allow-Headers', getRequestHeader(event, 'access-control-request-headers') || HEADERS)
  setResponseHeader(event, 'Access-Control-Max-Age', 86400)
  return null
}
