import { getRequestHeader, type H3Event } from 'h3'
import type { ProtocolVersion } from '../../core/protocol/system'
import { badRequest } from '../errors'
import { readQuery } from './read-query'

const VERSION = /^([23])\.0(?:\.\d+)?$/

/**
 * The protocol version of a request, from the `ZUMO-API-VERSION` query parameter (name in any case) or
 * header: `2.0.x` or `3.0.x`. Missing or anything else is a 400.
 */
export function readProtocolVersion(event: H3Event): ProtocolVersion {
  let value: unknown
  for (const [name, param] of Object.entries(readQuery(event))) {
    if (name.toLowerCase() === 'zumo-api-version') value = param
  }
  value ??= getRequestHeader(event, 'zumo-api-version')
  const match = typeof value === 'string' ? VERSION.exec(value.trim()) : null
  if (!match) {
    throw badRequest('This request needs to specify a ZUMO-API-VERSION of 2.0.0 or 3.0.0 (header or query parameter).')
  }
  return match[1] === '2' ? '2.0.0' : '3.0.0'
}
