import { InvalidIdError } from '../errors'
import { BATCH_SEGMENT } from '../protocol/batch'
import { etagFromVersion, type ProtocolVersion } from '../protocol/system'
import type { BatchOperation, BatchResult, ListPage, ListQuery, ServerItem, TableClient, TableClientOptions } from './contract'
import { announcedBatchSize, readBatchResults } from './http/batch'
import { listQueryString, readListPage } from './http/query'
import { expectItem, send, throwForStatus, type HttpReply, type SendConfig } from './http/send'
import { stringLiteral } from './pull-query'

/** Columns a v2 client never sends (`id` is kept: it names the item). */
const STRIPPED: ReadonlySet<string> = new Set(['createdAt', 'updatedAt', 'version', 'deleted'])

function withoutSystemColumns(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([column]) => !STRIPPED.has(column)))
}

function checkedId(table: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new InvalidIdError(table, id, 'an id must be a non-empty string')
  return id
}

/**
 * HTTP client of the table protocol for any backend (this package's server or a stock Azure Mobile Apps one),
 * on `fetch`, framework-free. Every request sends `ZUMO-API-VERSION`, `Accept: application/json` and the headers
 * of `options.headers()` (called per request). Typed errors: no answer or timeout → `NetworkError`; 401 →
 * `AuthenticationError`; 409/412 → `ConflictError` with the server's item; other non-2xx → `HttpError`; a 2xx
 * that breaks the protocol → `ProtocolError`. It also tracks our server's batch announcement.
 */
export function createTableClient(options: TableClientOptions): TableClient {
  const apiVersion: ProtocolVersion = options.apiVersion ?? '2.0.0'
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  let batchSupported: boolean | undefined
  let maxBatchSize = 0

  const config: SendConfig = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    protocolHeaders: { 'ZUMO-API-VERSION': apiVersion, 'Accept': 'application/json' },
    headers: options.headers,
    timeoutMs: options.timeoutMs ?? 30_000,
    onResponse(response) {
      const max = announcedBatchSize(response.headers)
      if (max !== undefined) {
        batchSupported = true
        maxBatchSize = max
      }
      // Only a success proves the route answered without announcing (an error may come from a proxy).
      else if (response.ok && batchSupported !== true) batchSupported = false
    },
  }

  const tableUrl = (table: string) => `${baseUrl}/${encodeURIComponent(table)}`
  const itemUrl = (table: string, id: string) => `${tableUrl(table)}/${encodeURIComponent(checkedId(table, id))}`

  async function request(method: string, url: string, body?: unknown): Promise<HttpReply> {
    const reply = await send(config, method, url, body)
    throwForStatus(reply)
    return reply
  }

  /** `undefined` for 404/410, the reply otherwise (other refusals throw). */
  async function requestUnlessGone(method: string, url: string, version?: string): Promise<HttpReply | undefined> {
    const reply = await send({ ...config, protocolHeaders: ifMatch(version) }, method, url)
    if (reply.status === 404 || reply.status === 410) return undefined
    throwForStatus(reply)
    return reply
  }

  function ifMatch(version: string | undefined): Record<string, string> {
    return version ? { ...config.protocolHeaders, 'If-Match': etagFromVersion(version) } : config.protocolHeaders
  }

  /** What an update sends: v2 merges without system columns (PATCH); v3 replaces with the entity as given (PUT). */
  function updateBody(item: Record<string, unknown>): Record<string, unknown> {
    return apiVersion === '2.0.0' ? withoutSystemColumns(item) : { ...item }
  }

  async function list(table: string, query?: ListQuery): Promise<ListPage> {
    const search = listQueryString(query, table)
    const url = tableUrl(table)
    return readListPage(await request('GET', search ? `${url}?${search}` : url), url)
  }

  /** The undelete request: v2 `POST <id>` (no body); v3 `PUT <id>?__includeDeleted=true` with the item, `deleted: false`. */
  function undeleteRequest(table: string, item: Record<string, unknown> & { id: string }): [string, string, unknown] {
    const url = itemUrl(table, item.id)
    if (apiVersion === '2.0.0') return ['POST', url, undefined]
    return ['PUT', `${url}?__includeDeleted=true`, { ...withoutSystemColumns(item), deleted: false }]
  }

  return {
    apiVersion,
    get batchSupported() {
      return batchSupported
    },
    get maxBatchSize() {
      return maxBatchSize
    },

    async insert(table: string, item: Record<string, unknown>): Promise<ServerItem> {
      return expectItem(await request('POST', tableUrl(table), withoutSystemColumns(item)))
    },

    async update(table: string, item: Record<string, unknown> & { id: string }, version?: string): Promise<ServerItem> {
      const url = itemUrl(table, item.id)
      const method = apiVersion === '2.0.0' ? 'PATCH' : 'PUT'
      const reply = await send({ ...config, protocolHeaders: ifMatch(version) }, method, url, updateBody(item))
      throwForStatus(reply)
      return expectItem(reply)
    },

    async delete(table: string, id: string, version?: string): Promise<ServerItem | undefined> {
      const reply = await requestUnlessGone('DELETE', itemUrl(table, id), version)
      if (!reply || reply.text.trim() === '') return undefined
      return expectItem(reply)
    },

    async get(table: string, id: string, getOptions?: { includeDeleted?: boolean }): Promise<ServerItem | undefined> {
      const includeDeleted = getOptions?.includeDeleted === true
      const reply = await requestUnlessGone('GET', itemUrl(table, id) + (includeDeleted ? '?__includeDeleted=true' : ''))
      if (reply) return expectItem(reply)
      if (!includeDeleted) return undefined
      // The stock Node server's GET by id never passes __includeDeleted on: a list query does.
      const page = await list(table, { filter: `id eq ${stringLiteral(id)}`, includeDeleted: true, top: 1 })
      return page.items.find(item => item.id === id)
    },

    list,

    async undelete(table: string, item: Record<string, unknown> & { id: string }, version?: string): Promise<ServerItem> {
      const [method, url, body] = undeleteRequest(table, item)
      const reply = await send({ ...config, protocolHeaders: ifMatch(version) }, method, url, body)
      throwForStatus(reply)
      return expectItem(reply)
    },

    async batch(operations: BatchOperation[]): Promise<BatchResult[]> {
      if (operations.length === 0) return []
      const body = {
        operations: operations.map((operation) => {
          if (operation.item === undefined) return operation
          const item = operation.kind === 'insert' ? withoutSystemColumns(operation.item) : updateBody(operation.item)
          return { ...operation, item }
        }),
      }
      const reply = await send(config, 'POST', `${baseUrl}/${BATCH_SEGMENT}`, body)
      // No batch route after all (a server rolled back): stop announcing it, so push goes one by one.
      if (reply.status === 404 || reply.status === 405) batchSupported = false
      throwForStatus(reply)
      return readBatchResults(reply, operations)
    },
  }
}
