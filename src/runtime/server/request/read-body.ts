import { getRequestHeader, readRawBody, type H3Event } from 'h3'
import { badRequest, SyncHttpError } from '../errors'

/** 413 for a body above `maxBytes`. */
export function tooLarge(maxBytes: number): SyncHttpError {
  return new SyncHttpError(413, `The request body is larger than ${maxBytes} bytes`)
}

async function readUpTo(event: H3Event, maxBytes: number): Promise<Buffer> {
  const declared = getRequestHeader(event, 'content-length')
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes)
  const req = event.node?.req
  // Without a declared length, count while reading so a huge chunked body is never buffered whole.
  if (declared === undefined && req && req.readable && !('body' in req)) {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) throw tooLarge(maxBytes)
      chunks.push(chunk)
    }
    return Buffer.concat(chunks)
  }
  const body = await readRawBody(event, false)
  const buffer = body === undefined ? Buffer.alloc(0) : Buffer.from(body)
  if (buffer.length > maxBytes) throw tooLarge(maxBytes)
  return buffer
}

/**
 * The body, up to `maxBytes` (413 beyond). A body the client cut short (the connection closed or broke before its
 * end: Node's `aborted`) is the client's failure, a 400, not one of ours to log as a 500.
 */
async function readLimited(event: H3Event, maxBytes: number): Promise<Buffer> {
  try {
    return await readUpTo(event, maxBytes)
  }
  catch (error) {
    const req = event.node?.req
    if (!(error instanceof SyncHttpError) && req && !req.complete) throw badRequest('The request body was cut short: the connection closed before its end')
    throw error
  }
}

/** Whether JSON text nests arrays and objects deeper than `max` (brackets inside strings do not count). One pass, no recursion. */
function nestsDeeper(raw: Buffer, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!
    if (inString) {
      if (byte === 0x5C) i++ // a backslash escapes the next byte (multi-byte UTF-8 never holds ASCII bytes)
      else if (byte === 0x22) inString = false
    }
    else if (byte === 0x22) inString = true
    else if (byte === 0x5B || byte === 0x7B) {
      if (++depth > max) return true
    }
    else if (byte === 0x5D || byte === 0x7D) depth--
  }
  return false
}

/**
 * The request body as a JSON object. 413 above `maxBytes`; 415 for a declared non-JSON content type;
 * 400 when it is empty, not JSON, not an object, or (with `maxDepth`) nests arrays and objects deeper than that,
 * checked on the text before it is parsed.
 */
export async function readJsonObject(event: H3Event, maxBytes: number, maxDepth?: number): Promise<Record<string, unknown>> {
  const type = getRequestHeader(event, 'content-type')
  if (type && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type.trim())) {
    throw new SyncHttpError(415, 'The request body must be JSON (Content-Type: application/json)')
  }
  const raw = await readLimited(event, maxBytes)
  if (raw.length === 0) throw badRequest('The request needs a JSON object as its body')
  // only where a limit is given: the scan is a pass over the whole body
  if (maxDepth !== undefined && nestsDeeper(raw, maxDepth)) throw badRequest(`The request body nests arrays and objects more than ${maxDepth} levels deep`)
  let value: unknown
  try {
    value = JSON.parse(raw.toString('utf8'))
  }
  catch {
    throw badRequest('The request body is not valid JSON')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('The request body must be a JSON object')
  }
  return value as Record<string, unknown>
}
