import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { ProtocolVersion } from '../../../src/runtime/core/protocol/system'
import type { Row } from '../../../src/runtime/core/store'
import type { ConflictRecord } from '../../../src/runtime/core/sync/contract'
import { createSyncClient } from '../../../src/runtime/core/sync-client'
import { createSyncContext, createTableClient, listConflicts } from '../../../src/runtime/core/sync'
import { createDexieStore } from '../../../src/runtime/dexie/dexie-store'
import type { SimClient, SimClientFactory, SimStoredRow } from './sim-client'

const SNAPSHOT_COLUMNS = ['id', 'text', 'n', 'token', 'author', 'version', 'updatedAt'] as const

/** The columns `snapshot()` compares, in a fixed order. */
export function simStoredRow(row: Row): SimStoredRow {
  const picked: Record<string, unknown> = {}
  for (const column of SNAPSHOT_COLUMNS) if (row[column] !== undefined && row[column] !== null) picked[column] = row[column]
  return picked as unknown as SimStoredRow
}

export interface NodeSimClientOptions {
  /** The protocol the device speaks. @default '2.0.0' */
  apiVersion?: ProtocolVersion
  /** Conflicts the handler leaves for "the user" (the engine resolves them later through `resolve`). @default none */
  defer?: (conflict: ConflictRecord) => boolean
}

/**
 * A Node device: the real Dexie store over its own fake-indexeddb factory (database `convergence-<name>`), the core
 * sync client and context (no timers of its own: `auto` and `retry` off, the engine decides when to sync), and a
 * table client whose requests go through the device's fault proxy. `restart()` closes the store and opens it again
 * with a new client and context (as a reloaded page does): the queue, conflicts and watermarks must survive it.
 */
export const nodeSimClient = (options: NodeSimClientOptions = {}): SimClientFactory => async (setup) => {
  const indexedDB = new IDBFactory()
  let online = true

  async function open() {
    const store = createDexieStore({ name: `convergence-${setup.name}`, tables: setup.tables, indexedDB, IDBKeyRange })
    await store.open()
    const client = createSyncClient({ store })
    // a dropped request is a closed connection, answered at once; the timeout only guards against a hang
    const tableClient = createTableClient({ baseUrl: setup.baseUrl, apiVersion: options.apiVersion, timeoutMs: 20_000 })
    const ctx = createSyncContext({
      client,
      tableClient,
      queries: setup.queries,
      auto: false,
      retry: false,
      online,
      conflictHandler(conflict) {
        if (options.defer?.(conflict)) return undefined
        const resolution = setup.resolveConflict(conflict)
        setup.onResolved(conflict, resolution)
        return resolution
      },
    })
    await ctx.start()
    return { store, client, ctx }
  }
  let current = await open()

  const device: SimClient = {
    name: setup.name,
    insert: async (table, row) => void await current.client.table(table).insert({ ...row }),
    update: async (table, row) => void await current.client.table(table).update({ ...row }),
    remove: (table, id) => current.client.table(table).remove(id),
    async setOnline(value) {
      online = value
      current.ctx.setOnline(value)
    },
    async push() {
      const result = await current.ctx.push()
      return { pushed: result.pushed, conflicts: result.conflicts.length, errors: result.errors.length, stopped: result.stopped?.reason }
    },
    async pull(table, queryName) {
      const result = await current.ctx.pull(table, queryName)
      return { upserted: result.upserted, deleted: result.deleted, skipped: result.skipped }
    },
    async snapshot() {
      const tables: Record<string, SimStoredRow[]> = {}
      for (const table of Object.keys(setup.tables)) {
        const rows = await current.client.table(table).list({ orderBy: 'id' })
        tables[table] = rows.map(row => simStoredRow(row as Row))
      }
      return tables
    },
    queueLength: () => current.client.pendingCount(),
    conflicts: () => listConflicts(current.store),
    resolve: (conflictId, resolution) => current.ctx.resolve(conflictId, resolution),
    async restart() {
      current.ctx.dispose()
      await current.store.close()
      current = await open()
    },
    async dispose() {
      current.ctx.dispose()
      await current.store.close()
    },
  }
  return device
}
