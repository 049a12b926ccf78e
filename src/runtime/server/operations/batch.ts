import type { H3Event } from 'h3'
import type { ProtocolVersion } from '../../core/protocol/system'
import type { BatchOperation, BatchResult, ServerItem } from '../../core/sync/contract'
import { authenticate, resolveScope, type RequestScope } from '../access'
import { badRequest } from '../errors'
import type { Repository, RepositoryTransaction } from '../repository'
import { readBatch } from '../request/read-batch'
import { readJsonObject, tooLarge } from '../request/read-body'
import { knownError } from '../respond-error'
import type { TableSpec } from '../table-spec'
import type { SyncHookCaller, SyncOperation, SyncUser } from '../types'
import type { OperationContext, OperationInput, ServiceSettings, SyncResponse } from './context'
import { deleteItem } from './delete-item'
import { insertItem } from './insert-item'
import { updateItem } from './update-item'

/** The batch request, its tables and the service's storage, hooks and limits. */
export interface BatchContext {
  event: H3Event
  protocol: ProtocolVersion
  tables: ReadonlyMap<string, TableSpec>
  repo: Repository
  hooks?: SyncHookCaller
  settings: ServiceSettings
}

/**
 * Statuses that stop a client's push (authentication, timeout, rate limit, server errors): one of them in any
 * operation refuses the whole batch, so that nothing after the point where the client stops is applied either.
 */
const abortsBatch = (status: number) => status === 401 || status === 408 || status === 429 || status >= 500

/**
 * Deepest nesting of a batch body: far above any batch that can succeed (the envelope's 4 levels + `MAX_JSON_DEPTH`
 * of a json value, so deeper values are still answered per operation), low enough for the recursive
 * `JSON.stringify` of an item (a body of 8 MiB could nest 4 million levels).
 */
export const MAX_BATCH_DEPTH = 1000

/** What the operation's single request would have carried: the item as body (with the operation's id), `version` as `If-Match`. */
function batchInput(operation: BatchOperation, maxBodySize: number): OperationInput {
  return {
    async body() {
      const item = operation.item ?? {}
      // Each item is held to the single request's body limit.
      if (Buffer.byteLength(JSON.stringify(item)) > maxBodySize) throw tooLarge(maxBodySize)
      if (operation.kind !== 'insert') return item
      if (item.id !== undefined && item.id !== null && item.id !== operation.id) throw badRequest('The item ID and the operation ID do not match')
      return { ...item, id: operation.id }
    },
    ifMatch: () => operation.version === undefined ? undefined : operation.version === '*' ? '*' : [operation.version],
    includeDeleted: () => false,
  }
}

function toResult(response: SyncResponse): BatchResult {
  return response.body === undefined ? { status: response.status } : { status: response.status, item: response.body as ServerItem }
}

/** The promise, its refusal marked as handled: it is awaited later (maybe by several operations, maybe by none). */
function held<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}

/**
 * The caller of each table (authenticate) and their scope for each operation kind (authorize and filter),
 * resolved at most once per table and per (table, kind). A refusal is kept and thrown to every operation that
 * needs it, as its single request would have answered.
 */
function scopeCache(ctx: BatchContext) {
  const users = new Map<string, Promise<SyncUser | null>>()
  const scopes = new Map<string, Promise<RequestScope>>()
  const userOf = (table: string): Promise<SyncUser | null> => {
    let user = users.get(table)
    if (!user) users.set(table, user = held(authenticate(ctx.hooks, ctx.event, ctx.tables.get(table)!, ctx.protocol)))
    return user
  }
  const scopeOf = (table: string, operation: SyncOperation): Promise<RequestScope> => {
    const key = `${table}\0${operation}`
    let scope = scopes.get(key)
    if (!scope) {
      scope = held(userOf(table).then(user => resolveScope(ctx.hooks, ctx.event, ctx.tables.get(table)!, ctx.protocol, operation, user)))
      scopes.set(key, scope)
    }
    return scope
  }
  return { userOf, scopeOf }
}

/** An update that also deletes (a body `deleted: true` on a soft-delete table): it needs the delete's scope too. */
const deletes = (ctx: BatchContext, operation: BatchOperation) =>
  operation.kind === 'update' && operation.item?.deleted === true && ctx.tables.get(operation.table)!.softDelete

/** Waits for a held promise, whatever its outcome (the outcome is read when an operation needs it). */
const settled = (promise: Promise<unknown>) => promise.then(() => {}, () => {})

/**
 * `POST <path>/$batch`: `{ operations }` → 200 `{ results }`, one per operation in request order, each the status
 * and item (or `{ error }`) its single request would have answered. Each operation runs as its single request
 * does (authorize, filter, before-write and conflict hooks, owner scoping, validation, `version` as `If-Match`;
 * update merges in v2 and replaces in v3), all in ONE transaction holding the clocks of the batch's tables, each
 * under a savepoint: a refused operation (any status from 300 on) changes nothing and the next one runs.
 * Before that transaction, the authenticate hook runs once per table of the batch, and authorize and filter once
 * per (table, operation kind) (an update carrying `deleted: true` also needs the delete's): the clock locks are
 * held only while the operations run, with the before-write and conflict hooks, which need the row. An operation
 * answering 401, 408, 429 or 5xx rolls back the whole batch, which then answers that status and error.
 */
export async function runBatch(ctx: BatchContext): Promise<SyncResponse> {
  const operations = readBatch(await readJsonObject(ctx.event, ctx.settings.maxBatchBodySize, MAX_BATCH_DEPTH), ctx.tables, ctx.settings.maxBatchSize)
  if (operations.length === 0) return { status: 200, body: { results: [] } }
  const tables = [...new Set(operations.map(operation => operation.table))]
  const { userOf, scopeOf } = scopeCache(ctx)
  // One after the other, in the order the batch first needs them, so the hooks run in a predictable order.
  for (const table of tables) await settled(userOf(table))
  for (const operation of operations) {
    await settled(scopeOf(operation.table, operation.kind))
    if (deletes(ctx, operation)) await settled(scopeOf(operation.table, 'delete'))
  }

  async function run(tx: RepositoryTransaction, operation: BatchOperation): Promise<BatchResult> {
    const spec = ctx.tables.get(operation.table)!
    const single: OperationContext = {
      event: ctx.event, spec, protocol: ctx.protocol, id: operation.id, scope: await scopeOf(operation.table, operation.kind),
      scopeFor: kind => scopeOf(operation.table, kind), repo: tx.repo, hooks: ctx.hooks, settings: ctx.settings,
      input: batchInput(operation, ctx.settings.maxBodySize),
    }
    switch (operation.kind) {
      case 'insert': return toResult(await insertItem(single))
      case 'update': return toResult(await updateItem(single, ctx.protocol === '3.0.0'))
      case 'delete': return toResult(await deleteItem(single))
    }
  }

  async function settle(tx: RepositoryTransaction, operation: BatchOperation): Promise<BatchResult> {
    try {
      return await run(tx, operation)
    }
    catch (error) {
      const known = knownError(error)
      if (!known || abortsBatch(known.status)) throw error
      return { status: known.status, error: known.message }
    }
  }

  const results = await ctx.repo.transaction(tables, async (tx) => {
    const done: BatchResult[] = []
    for (const operation of operations) {
      done.push(await tx.savepoint(() => settle(tx, operation), result => result.status < 300))
    }
    return done
  })
  return { status: 200, body: { results } }
}
