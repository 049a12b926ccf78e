import { ProtocolError } from '../../errors'
import type { BatchOperation, BatchResult } from '../contract'
import { BATCH_HEADER } from '../../protocol/batch'
import { asServerItem, expectJson, type HttpReply } from './send'

/** The announced largest batch, or `undefined` when the header is missing or not a whole number ≥ 1. */
export function announcedBatchSize(headers: Headers): number | undefined {
  const value = headers.get(BATCH_HEADER)?.trim()
  if (!value || !/^\d+$/.test(value)) return undefined
  const max = Number(value)
  return Number.isSafeInteger(max) && max >= 1 ? max : undefined
}

/**
 * The `{ results }` of a batch answer, checked: one result per operation sent, each with an HTTP status, an item
 * with a string id when it has one (a 2xx insert or update must have one, as its single answer would), a string
 * `error` when it has one. `ProtocolError` otherwise.
 */
export function readBatchResults(reply: HttpReply, operations: BatchOperation[]): BatchResult[] {
  const sent = operations.length
  const body = expectJson(reply)
  const results = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).results : undefined
  if (!Array.isArray(results)) throw new ProtocolError(reply.url, 'a batch answer has no results array')
  if (results.length !== sent) throw new ProtocolError(reply.url, `a batch of ${sent} operation(s) answered ${results.length} result(s)`)
  return results.map((value: unknown, index) => {
    const raw = value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined
    const status = raw?.status
    if (!raw || typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      throw new ProtocolError(reply.url, `batch result ${index} has no HTTP status`)
    }
    const result: BatchResult = { status }
    if (raw.item !== undefined && raw.item !== null) {
      const item = asServerItem(raw.item)
      if (!item) throw new ProtocolError(reply.url, `the item of batch result ${index} has no string id`)
      result.item = item
    }
    else if (status >= 200 && status < 300 && operations[index]!.kind !== 'delete') {
      throw new ProtocolError(reply.url, `batch result ${index} (${operations[index]!.kind}, ${status}) has no item`)
    }
    if (typeof raw.error === 'string') result.error = raw.error
    else if (raw.error !== undefined && raw.error !== null) throw new ProtocolError(reply.url, `the error of batch result ${index} is not a string`)
    return result
  })
}
