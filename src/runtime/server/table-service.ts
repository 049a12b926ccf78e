import { defineEventHandler, getRouterParam, setResponseHeader, setResponseStatus, type EventHandler, type H3Event } from 'h3'
import { itemIdProblem } from './protocol/item-id'
import { resolveScope } from './access'
import { badRequest, SyncHttpError } from './errors'
import { respondToError } from './respond-error'
import { createRepository, type Repository } from './repository'
import { readProtocolVersion } from './request/api-version'
import { BATCH_HEADER, BATCH_SEGMENT } from '../core/protocol/batch'
import { applyCors, preflight } from './protocol/cors'
import { httpInput } from './request/operation-input'
import { toTableSpecs } from './table-spec'
import type { SyncOperation, TableServiceOptions } from './types'
import { runBatch } from './operations/batch'
import type { OperationContext, ServiceSettings, SyncResponse } from './operations/context'
import { deleteItem } from './operations/delete-item'
import { insertItem } from './operations/insert-item'
import { listItems } from './operations/list-items'
import { readItem } from './operations/read-item'
import { undeleteItem } from './operations/undelete-item'
import { updateItem } from './operations/update-item'

type Route = { operation: SyncOperation, run: (ctx: OperationContext) => Promise<SyncResponse> }

const LIST: Route = { operation: 'read', run: listItems }
const INSERT: Route = { operation: 'insert', run: insertItem }
const READ: Route = { operation: 'read', run: readItem }
const MERGE: Route = { operation: 'update', run: ctx => updateItem(ctx, false) }
const REPLACE: Route = { operation: 'update', run: ctx => updateItem(ctx, true) }
const DELETE: Route = { operation: 'delete', run: deleteItem }
const UNDELETE: Route = { operation: 'undelete', run: undeleteItem }

/** Which operation a method runs, on the table (`item = false`) or on one item. */
function route(method: string, item: boolean, protocol: string): Route | undefined {
  if (!item) {
    if (method === 'GET') return LIST
    if (method === 'POST') return INSERT
    return undefined
  }
  switch (method) {
    case 'GET': return READ
    case 'PATCH': return MERGE
    case 'PUT': return REPLACE
    case 'DELETE': return DELETE
    case 'POST': return protocol === '2.0.0' ? UNDELETE : undefined
    default: return undefined
  }
}

/** A route parameter, percent-decoded (a malformed escape stays as written). */
function routeParam(event: H3Event, name: string): string | undefined {
  return getRouterParam(event, name, { decode: true })
}

/** A whole number ≥ 0, or `fallback` for anything else (a missing or mistyped option). */
function count(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback
}

/**
 * The Azure Mobile Apps table protocol (v2 and v3) as an h3 handler, independent of Nitro: mount `handler` on
 * `<path>/:table` and `<path>/:table/:id`. Every table response has CORS headers (exposing `ETag` and `Link`)
 * and `Cache-Control: no-store`; errors are `{ error }` bodies without internals (those are logged).
 * `<path>/$batch` (reaching the handler as the table `$batch`) is the batch push endpoint, announced on every
 * response by `X-Offline-Sync-Batch: <maxBatchSize>` unless `maxBatchSize` is 0.
 */
export function createTableService(options: TableServiceOptions) {
  const specs = toTableSpecs(options.tables)
  const settings: ServiceSettings = {
    pageSize: options.pageSize ?? 50,
    maxTop: options.maxTop ?? 1000,
    maxBodySize: options.maxBodySize ?? 1024 * 1024,
    maxBatchSize: count(options.maxBatchSize, 500),
    maxBatchBodySize: count(options.maxBatchBodySize, 8 * 1024 * 1024),
  }
  const logError = options.logError ?? ((error: unknown, context: string) => console.error(`[nuxt-offline-sync] ${context}`, error))
  const source = options.db
  let repository: Promise<Repository> | undefined
  function repo(): Promise<Repository> {
    if (!repository) {
      repository = (typeof source === 'function' ? source() : Promise.resolve(source)).then(createRepository)
      // A failed open is retried by the next request.
      repository.catch(() => (repository = undefined))
    }
    return repository
  }

  async function respond(event: H3Event): Promise<SyncResponse> {
    const protocol = readProtocolVersion(event)
    const name = routeParam(event, 'table') ?? ''
    const id = routeParam(event, 'id')
    const method = event.method.toUpperCase()
    if (name === BATCH_SEGMENT && id === undefined && settings.maxBatchSize > 0) {
      if (method !== 'POST') throw new SyncHttpError(405, `${method} is not supported on this URL`)
      return runBatch({ event, protocol, tables: specs, repo: await repo(), hooks: options.hooks, settings })
    }
    const spec = specs.get(name)
    if (!spec) throw new SyncHttpError(404, `Table '${name.slice(0, 100)}' does not exist`)
    const target = route(method, id !== undefined, protocol)
    if (!target) throw new SyncHttpError(405, `${method} is not supported on this URL`)
    if (id !== undefined) {
      const problem = itemIdProblem(id)
      if (problem) throw badRequest(`id: ${problem}`)
    }
    const scope = await resolveScope(options.hooks, event, spec, protocol, target.operation)
    const input = httpInput(event, settings)
    return target.run({ event, spec, protocol, id: id ?? '', scope, repo: await repo(), hooks: options.hooks, settings, input })
  }

  async function handle(event: H3Event): Promise<unknown> {
    applyCors(event, options.corsOrigin ?? '*')
    if (settings.maxBatchSize > 0) setResponseHeader(event, BATCH_HEADER, String(settings.maxBatchSize))
    if (event.method.toUpperCase() === 'OPTIONS') return preflight(event)
    setResponseHeader(event, 'Cache-Control', 'no-store')
    let response: SyncResponse
    try {
      response = await respond(event)
    }
    catch (error) {
      response = respondToError(error, event, logError)
    }
    setResponseStatus(event, response.status)
    for (const [name, value] of Object.entries(response.headers ?? {})) setResponseHeader(event, name, value)
    if (response.body === undefined) return null
    return response.body
  }

  const handler: EventHandler = defineEventHandler(handle)
  return { handler, handle, tables: specs }
}

export type TableService = ReturnType<typeof createTableService>
