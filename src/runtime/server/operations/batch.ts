import type { H3Event } from 'h3'
import type { ProtocolVersion } from '../../core/protocol/system'
import type { BatchOperation, BatchResult, ServerItem } from '../../core/sync/contract'
import { authenticate, resolveScope } from '../access'
import { badRequest } from '../errors'
import type { Repository, RepositoryTransaction } from '../repository'
import { readBatch } from '../request/read-batch'
import { readJsonObject, tooLarge } from '../request/read-body'
import { knownError } from '../respond-error'
import type { TableSpec } from '../table-spec'
import type { SyncHookCaller, SyncUser } from '../types'
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

/**
 * `POST <path>/$batch`: `{ operations }` → 200 `{ results }`, one per operation in request order, each the status
 * and item (or `{ error }`) its single request would have answered. Each operation runs as its single request
 * does (authorize, filter, before-write and conflict hooks, owner scoping, validation, `version` as `If-Match`;
 * update merges in v2 and replaces in v3), all in ONE transaction holding the clocks of the batch's tables, each
 * under a savepoint: a refused operation (any status from 300 on) changes nothing and the next one runs. The
 * authenticate hook runs once per table of the batch. An operation answering 401, 408, 429 or 5xx rolls back
 * the whole batch, which then answers that status and error.
 */
export async function runBatch(ctx: BatchContext): Promise<SyncResponse> {
  const operations = readBatch(await readJsonObject(ctx.event, ctx.settings.maxBatchBodySize), ctx.tables, ctx.settings.maxBatchSize)
  if (operations.length === 0) return { status: 200, body: { results: [] } }
  const tables = [...new Set(operations.map(operation => operation.table))]
  const callers = new Map<string, { user: SyncUser | null } | { error: unknown }>()
  for (const table of tables) {
    try {
      callers.set(table, { user: await authenticate(ctx.hooks, ctx.event, ctx.tables.get(table)!, ctx.protocol) })
    }
    catch (error) {
      callers.set(table, { error })
    }
  }

  async function run(tx: RepositoryTransaction, operation: BatchOperation): Promise<BatchResult> {
    const spec = ctx.tables.get(operation.table)!
    const caller = callers.get(operation.table)!
    if ('error' in caller) throw caller.error
    const scope = await resolveScope(ctx.hooks, ctx.event, spec, ctx.protocol, operation.kind, caller.user)
    const single: OperationContext = {
      event: ctx.event, spec, protocol: ctx.protocol, id: operation.id, scope, repo: tx.repo, hooks: ctx.hooks,
      settings: ctx.settings, input: batchInput(operation, ctx.settings.maxBodySize),
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
