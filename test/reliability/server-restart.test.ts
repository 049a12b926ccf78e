import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterAll, describe, expect, it } from 'vitest'
import { NetworkError } from '../../src/runtime/core/errors'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import type { Row } from '../../src/runtime/core/store'
import { createSyncClient, type SyncClient } from '../../src/runtime/core/sync-client'
import { createSyncContext, type SyncContext } from '../../src/runtime/core/sync/context'
import type { PushResult } from '../../src/runtime/core/sync/contract'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { createDexieStore, type DexieStore } from '../../src/runtime/dexie/dexie-store'
import { createScratchSchema, describeWithPostgres, postgresProblem, TEST_DATABASE_URL } from '../support/postgres'
import { freePort, startServerChild, type ServerChild } from './support/server-child'

// The server process dies (SIGKILL) in the middle of a batch push, twice: once while a batch's transaction has
// written part of its operations (nothing of it committed), once after a batch committed but before its answer
// left (the answer is lost). It restarts on the same database, and the client pushes until its queue is empty.
// Then the server must hold exactly the client's rows, every operation applied exactly once (a trigger logs each
// applied insert and update in the writing transaction), and nothing lost.

const TABLES: TablesDefinition = { items: { columns: { text: 'string', n: 'number' } } }
const SHARED = 400
const NEW = 2000
const BATCH = 100
/** The write of the first kill: some batches committed, the next one in flight with part of it written. */
const HOLD_AT_WRITE = 7 * BATCH + 37
/** The batch of the restarted server whose answer is lost. */
const LOSE_ANSWER_OF_BATCH = 3
const report = console.log.bind(console)

const pad = (i: number) => String(i).padStart(4, '0')

/** What the network saw of each batch: its operations and whether an answer came. */
interface SeenBatch {
  ops: string[]
  status?: number
  error?: string
}

function recordingFetch(batches: SeenBatch[]): typeof globalThis.fetch {
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input)
    if (!url.includes('/$batch')) return fetch(input, init)
    const body = JSON.parse(String(init?.body)) as { operations: { kind: string, id: string }[] }
    const seen: SeenBatch = { ops: body.operations.map(op => `${op.kind}:${op.id}`) }
    batches.push(seen)
    try {
      const response = await fetch(input, init)
      seen.status = response.status
      return response
    }
    catch (error) {
      seen.error = (error as Error).message
      throw error
    }
  }
}

const opKey = (operation: QueuedOperation) => `${operation.kind}:${operation.itemId}`

interface ServerState {
  rows: Row[]
  audit: { item_id: string, op: string, version: string }[]
}

/** The table and the audit log as the server's database holds them (read directly, not through the protocol). */
async function readServer(url: string): Promise<ServerState> {
  const response = await fetch(`${url}/_test/state`)
  const state = await response.json() as ServerState
  return { ...state, rows: state.rows.map(row => ({ ...row, updatedAt: new Date(row.updatedAt as string).toISOString() })) }
}

interface Backend {
  name: string
  /** Where the server process keeps its data (see restart-server-main.ts). */
  env: Record<string, string>
}

async function scenario(backend: Backend): Promise<void> {
  const started = Date.now()
  const port = await freePort()
  const env = { ...backend.env, TABLES: JSON.stringify(TABLES), PORT: String(port), MAX_BATCH: String(BATCH) }
  const store: DexieStore = createDexieStore({ name: 'restart', tables: TABLES, indexedDB: new IDBFactory(), IDBKeyRange })
  const client: SyncClient = createSyncClient({ store })
  const batches: SeenBatch[] = []
  const context: SyncContext = createSyncContext({
    client,
    tableClient: createTableClient({ baseUrl: `http://127.0.0.1:${port}/tables`, fetch: recordingFetch(batches) }),
    retry: false,
    auto: false,
  })
  let server: ServerChild | undefined
  try {
    const items = client.table<{ text: string, n: number }>('items')
    // this server process stops at write SHARED + HOLD_AT_WRITE (the shared rows' inserts count) and is killed there
    server = await startServerChild({ ...env, HOLD_AT_WRITE: String(SHARED + HOLD_AT_WRITE) })
    // the shared rows exist on the server before the offline session
    for (let i = 0; i < SHARED; i++) await items.insert({ id: `s${pad(i)}`, text: `shared ${i}`, n: 0 })
    expect((await context.push()).pushed).toBe(SHARED)

    // offline: 2,000 inserts, updates and deletes of shared rows and of new rows (some collapse, some cancel out)
    for (let i = 0; i < NEW; i++) await items.insert({ id: `n${pad(i)}`, text: `new ${i}`, n: i })
    for (let i = 0; i < NEW; i += 7) await items.update({ id: `n${pad(i)}`, text: `new ${i} edited` })
    for (let i = 3; i < NEW; i += 33) await items.remove(`n${pad(i)}`)
    for (let i = 0; i < SHARED; i += 2) await items.update({ id: `s${pad(i)}`, n: i + 1 })
    for (let i = 0; i < SHARED; i += 5) await items.remove(`s${pad(i)}`)
    const queue = await client.operations()
    const sharedIds = new Set(Array.from({ length: SHARED }, (_, i) => `s${pad(i)}`))

    // 1. killed while a batch is half written: its transaction never commits
    const firstBatch = batches.length
    const pushing = context.push()
    await server.printed('HOLD')
    const killedAt = batches.length - firstBatch
    const committedBeforeKill = batches.slice(firstBatch).filter(batch => batch.status === 200)
    const inFlight = batches.at(-1)!
    await server.kill()
    const first: PushResult = await pushing
    expect(first.stopped?.reason).toBe('network')
    expect(first.stopped?.error).toBeInstanceOf(NetworkError)
    expect(inFlight.status).toBeUndefined()
    const acknowledged = new Set(committedBeforeKill.flatMap(batch => batch.ops))
    expect(first.pushed).toBe(acknowledged.size)
    expect((await client.operations()).map(opKey)).toEqual(queue.map(opKey).filter(key => !acknowledged.has(key)))

    // 2. while it is down: the typed network error, and the queue keeps every operation
    const whileDown = await client.operations()
    const down = await context.push()
    expect(down.stopped?.reason).toBe('network')
    expect(down.stopped?.error).toBeInstanceOf(NetworkError)
    expect(down.pushed).toBe(0)
    expect((await client.operations()).map(opKey)).toEqual(whileDown.map(opKey))

    // 3. restarted on the same data; a batch commits and the server dies before answering it
    server = await startServerChild({ ...env, HOLD_AFTER_BATCH: String(LOSE_ANSWER_OF_BATCH) })
    const lostFrom = batches.length
    const losing = context.push()
    await server.printed('COMMITTED')
    await server.kill()
    const second = await losing
    expect(second.stopped?.error).toBeInstanceOf(NetworkError)
    const lost = batches.at(-1)!
    const lostBatch = batches.length - lostFrom
    expect(batches.slice(lostFrom).filter(batch => batch.status === 200)).toHaveLength(LOSE_ANSWER_OF_BATCH - 1)
    expect(lost.status).toBeUndefined()
    // the lost batch's operations are still queued: the client never learnt that they were applied
    const queuedNow = new Set((await client.operations()).map(opKey))
    for (const key of lost.ops) expect(queuedNow.has(key)).toBe(true)

    // 4. restarted again: push until the queue is empty
    server = await startServerChild(env)
    let rounds = 0
    while (await client.pendingCount() > 0 && rounds < 5) {
      rounds += 1
      const result = await context.push()
      // a connection the client kept to the killed process may fail once (a network stop, retried like the app would)
      if (result.stopped) expect(result.stopped.error).toBeInstanceOf(NetworkError)
      expect(result.conflicts).toEqual([])
      expect(result.errors).toEqual([])
    }
    expect(await client.operations()).toEqual([])

    // the server holds exactly the client's rows
    const { rows, audit } = await readServer(`http://127.0.0.1:${port}`)
    const local = await client.store.transaction('readonly', ['items'], tx => tx.query<Row>('items'))
    const pick = (row: Row) => ({ id: row.id, text: row.text, n: row.n, version: row.version, updatedAt: row.updatedAt })
    const live = rows.filter(row => row.deleted !== true)
    expect(live.map(pick)).toEqual(local.map(pick))
    // deleted on the server: exactly the shared rows the client deleted; a new row inserted and deleted offline never went
    const removed = new Set(queue.filter(operation => operation.kind === 'delete').map(operation => operation.itemId))
    expect(rows.filter(row => row.deleted === true).map(row => row.id)).toEqual([...removed].sort())
    expect(rows.map(row => row.id).filter(id => !sharedIds.has(id))).toEqual(queue.filter(operation => operation.kind === 'insert').map(operation => operation.itemId).sort())

    // every operation applied exactly once: one INSERT per row, one UPDATE per queued update or delete
    const counted = new Map<string, number>()
    for (const entry of audit) counted.set(`${entry.op}:${entry.item_id}`, (counted.get(`${entry.op}:${entry.item_id}`) ?? 0) + 1)
    const expected = new Map<string, number>()
    const expect1 = (key: string) => expected.set(key, (expected.get(key) ?? 0) + 1)
    for (const id of sharedIds) expect1(`INSERT:${id}`)
    for (const operation of queue) expect1(`${operation.kind === 'insert' ? 'INSERT' : 'UPDATE'}:${operation.itemId}`)
    expect(Object.fromEntries([...counted].sort())).toEqual(Object.fromEntries([...expected].sort()))
    // and the version each row holds is the one its last application wrote
    const lastVersion = new Map(audit.map(entry => [entry.item_id, entry.version]))
    for (const row of rows) expect(row.version).toBe(lastVersion.get(row.id))

    report(`[server-restart ${backend.name}] queue ${queue.length} operations (${NEW} rows inserted offline, ${queue.filter(o => o.kind === 'update').length} updates, ${removed.size} deletes); `
      + `kill 1 during batch ${killedAt} (${committedBeforeKill.length} batches / ${acknowledged.size} operations committed before it, ${inFlight.ops.length} in flight, ${HOLD_AT_WRITE - 1 - acknowledged.size} of them written uncommitted); `
      + `kill 2 after batch ${lostBatch} of the restarted server committed (${lost.ops.length} operations, answer lost); ${batches.length - firstBatch} batch requests, ${rounds} push(es) after the last restart; `
      + `${rows.length} server rows, ${audit.length} applications logged; ${Date.now() - started} ms`)
  }
  finally {
    context.dispose()
    await server?.stop()
    await store.close()
  }
}

describe('server restart in the middle of a batch push', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('embedded database on disk (PGlite): nothing lost, nothing applied twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offline-sync-restart-'))
    dirs.push(dir)
    const dataDir = join(dir, 'db')
    await scenario({ name: 'embedded', env: { DATA_DIR: dataDir } })
  }, 240_000)
})

const problem = await postgresProblem()
describeWithPostgres('server restart in the middle of a batch push (PostgreSQL)', problem, () => {
  it('PostgreSQL: nothing lost, nothing applied twice', async () => {
    const schema = await createScratchSchema('offline_sync_restart')
    try {
      await scenario({
        name: 'postgres',
        env: { DATABASE_URL: TEST_DATABASE_URL, SCHEMA: schema.name },
      })
    }
    finally {
      await schema.drop()
    }
  }, 240_000)
})
