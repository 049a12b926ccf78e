import { AuthenticationError, ConflictError, HttpError, NetworkError, ProtocolError } from '../../errors'
import { versionFromEtag } from '../../protocol/system'
import type { ServerItem } from '../contract'

/** What a request needs besides its method, URL and body. */
export interface SendConfig {
  fetch: typeof globalThis.fetch
  /** Headers of the protocol (`ZUMO-API-VERSION`, `Accept`); they win over `headers()`. */
  protocolHeaders: Record<string, string>
  headers?: () => Record<string, string> | undefined | Promise<Record<string, string> | undefined>
  /** No timeout when not a positive finite number. */
  timeoutMs: number
  /** Sees every HTTP answer (success or not) before it is read, e.g. to track a server announcement. */
  onResponse?: (response: Response) => void
}

/** An HTTP answer whose body has been read. */
export interface HttpReply {
  url: string
  status: number
  headers: Headers
  text: string
}

/**
 * One request: `headers()` is called first (its error propagates as is), then `fetch` under the timeout, and the
 * body is read as text. No answer (refused, reset, DNS, CORS, abort, timeout) → `NetworkError`. Any status is
 * returned: `throwForStatus` turns the refusals into typed errors.
 */
export async function send(config: SendConfig, method: string, url: string, body?: unknown): Promise<HttpReply> {
  const headers = new Headers((await config.headers?.()) ?? undefined)
  for (const [name, value] of Object.entries(config.protocolHeaders)) headers.set(name, value)
  if (body !== undefined) headers.set('Content-Type', 'application/json')
  const init: RequestInit = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined
  let timedOut = false
  const timer = config.timeoutMs > 0 && Number.isFinite(config.timeoutMs) && controller
    ? setTimeout(() => {
        timedOut = true
        controller.abort()
      }, config.timeoutMs)
    : undefined
  if (controller) init.signal = controller.signal
  const fetchFn = config.fetch // called unbound: a window.fetch called as a method of another object throws
  try {
    const response = await fetchFn(url, init)
    config.onResponse?.(response)
    const text = await response.text()
    return { url, status: response.status, headers: response.headers, text }
  }
  catch (error) {
    const reason = timedOut ? `no answer within ${config.timeoutMs} ms` : error instanceof Error ? error.message : String(error)
    throw new NetworkError(url, reason, { cause: error })
  }
  finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

/** The body as JSON, or `undefined` when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text) as unknown
  }
  catch {
    return undefined
  }
}

/** The body of a 2xx that must be JSON; `ProtocolError` otherwise. */
export function expectJson(reply: HttpReply): unknown {
  if (!reply.text.trim()) throw new ProtocolError(reply.url, `an empty ${reply.status} answer where JSON was expected`)
  try {
    return JSON.parse(reply.text) as unknown
  }
  catch {
    throw new ProtocolError(reply.url, `the ${reply.status} answer is not JSON: ${excerpt(reply.text)}`)
  }
}

function excerpt(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ')
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * `value` as a server item (the version taken from a strong `etag` when the body has none), or `undefined` when it
 * is not one. A weak ETag (`W/"…"`) is never an item version: Express puts one on every JSON body it sends (the
 * stock server's 409 echo of the request, its `{ error }` bodies), computed from the bytes, not from the row.
 */
export function asServerItem(value: unknown, etag?: string | null): ServerItem | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || value.id === '') return undefined
  const item = { ...value } as ServerItem
  if (typeof item.version !== 'string' && etag && !isWeakEtag(etag)) item.version = versionFromEtag(etag)
  return item
}

/** Whether an ETag is weak: `W/"…"` (RFC 9110: the prefix is case-sensitive). */
function isWeakEtag(etag: string): boolean {
  return etag.trimStart().startsWith('W/')
}

/** The item of a 2xx answer; `ProtocolError` when the body is not an object with a string id. */
export function expectItem(reply: HttpReply): ServerItem {
  const item = asServerItem(expectJson(reply), reply.headers.get('etag'))
  if (!item) throw new ProtocolError(reply.url, 'the answer is not an item with a string id')
  return item
}

/** The message of an error body: `{ error }`, `{ message }`, `{ detail }` / `{ title }` (problem details), or the text. */
export function errorMessage(body: unknown, text: string): string | undefined {
  if (isRecord(body)) {
    for (const key of ['error', 'message', 'detail', 'title']) {
      const value = body[key]
      if (typeof value === 'string' && value) return value
      if (isRecord(value) && typeof value.message === 'string') return value.message
    }
  }
  return text.trim() ? excerpt(text) : undefined
}

/**
 * Nothing for a 2xx; otherwise the typed error: 401 → `AuthenticationError`, 409/412 → `ConflictError` (with
 * the body's item when it is an object with an id), anything else → `HttpError` with the parsed body and its message.
 */
export function throwForStatus(reply: HttpReply): void {
  if (reply.status >= 200 && reply.status < 300) return
  const body = parseJson(reply.text)
  if (reply.status === 401) throw new AuthenticationError(reply.url, reply.status, body ?? reply.text)
  if (reply.status === 409 || reply.status === 412) {
    throw new ConflictError(reply.url, reply.status, asServerItem(body, reply.headers.get('etag')))
  }
  throw new HttpError(reply.url, reply.status, body ?? reply.text, errorMessage(body, reply.text))
}
