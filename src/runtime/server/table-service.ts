import { defineEventHandler, getRouterParam, setResponseHeader, setResponseStatus, type EventHandler, type H3Event } from 'h3'
import { idProblem } from '../core/protocol/system'
import { resolveScope } from './access'
import { badRequest, SyncHttpError } from './errors'
import { respondToError } from './respond-error'
import { createRepository, type Repository } from './repository'
import { readProtocolVersion } from './request/api-version'
import { applyCors, preflight } from './protocol/cors'
import { toTableSpecs } from './table-spec'
import type { SyncOperation, TableServiceOptions } from './types'
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

/**
 * The Azure Mobile Apps table protocol (v2 and v3) as an h3 handler, independent of Nitro: mount `handler` on
 * `<path>/:table` and `<path>/:table/:id`. Every table response has CORS headers (exposing `ETag` and `Link`)
 * and `Cache-Control: no-store`; errors are `{ error }` bodies without internals (those are logged).
 */
export function createTableService(options: TableServiceOptions) {
  const specs = toTableSpecs(options.tables)
  const settings: ServiceSettings = {
    pageSize: options.pageSize ?? 50,
    maxTop: options.maxTop ?? 1000,
    maxBodySize: options.maxBodySize ?? 1024 * 1024,
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
    const spec = specs.get(name)
    if (!spec) throw new SyncHttpError(404, `Table '${name.slice(0, 100)}' does not exist`)
    const id = routeParam(event, 'id')
    const method = event.method.toUpperCase()
    const target = route(method, id !== undefined, protocol)
    if (!target) throw new SyncHttpError(405, `${method} is not supported on this URL`)
    if (id !== undefined) {
      const problem = idProblem(id)
      if (problem) throw badRequest(`id: ${problem}`)
    }
    const scope = await resolveScope(options.hooks, event, spec, protocol, target.operation)
    return target.run({ event, spec, protocol, id: id ?? '', scope, repo: await repo(), hooks: options.hooks, settings })
  }

  async function handle(event: H3Event): Promise<unknown> {
    applyCors(event, options.corsOrigin ?? '*')
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
