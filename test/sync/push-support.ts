import { createError } from 'h3'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { OPERATIONS_TABLE, type LocalStore, type Row } from '../../src/runtime/core/store'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import { createSyncClient, type SyncClient } from '../../src/runtime/core/sync-client'
import type { ServerItem, TableClient } from '../../src/runtime/core/sync/contract'
import { push, type PushDeps } from '../../src/runtime/core/sync/push'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { startHarness, type Harness } from '../conformance/support/harness'
import { storeFactories } from '../unit/core/stores'

/** The tables of the push and conflict tests (server and local store). */
export const PUSH_TABLES: TablesDefinition = {
  todos: { columns: { text: 'string', done: 'boolean', n: 'number', due: 'date', meta: 'json' } },
  lists: { columns: { title: 'string' } },
  notes: { columns: { text: 'string' }, owner: 'userId' },
  /** No soft delete: a delete removes the row for good. */
  hard: { columns: { text: 'string' }, softDelete: false },
}

/** `text` values the server's before-write hook refuses: `bad` with a 400, `boom` with a 500 (a thrown Error). */
export function refuseMarkedTexts(h: Harness): void {
  h.hooks.hook('offline-sync:before-write', (ctx) => {
    if (ctx.item.text === 'bad') throw createError({ statusCode: 400, message: 'text may not be "bad"' })
    if (ctx.item.text === 'boom') throw new Error('test: the hook fails')
  })
}

/**
 * One request as the fetch saw it: `ops` are the `kind:id` it carried (one, or a batch's): `insert`, `update`,
 * `delete`, `undelete` (v2 `POST <id>`, or a v3 `PUT` with `deleted: false`), `get` (one item; lists carry none).
 */
export interface SeenRequest {
  method: string
  path: string
  ops: string[]
  /** The JSON body, parsed. */
  body?: unknown
}

export interface Interception {
  /** Runs before the request goes out; a throw is a network failure that never reached the server. */
  before?: (request: SeenRequest, index: number) => Promise<void> | void
  /** Answers in place of the server (the request never reaches it) when it returns a response. */
  respond?: (request: SeenRequest, index: number) => Response | undefined
  /** Runs once the server answered; `'lose'` drops the answer (a network error after the server applied the request). */
  after?: (request: SeenRequest, index: number) => unknown
}

function opsOf(method: string, path: string, parsed: Record<string, unknown> | undefined): string[] {
  const segments = path.split('/').filter(Boolean)
  const last = decodeURIComponent(segments.at(-1) ?? '')
  const item = segments.length > 2 // /tables/<table>/<id>
  if (method === 'POST' && last === '$batch') return (parsed!.operations as { kind: string, id: string }[]).map(op => `${op.kind}:${op.id}`)
  if (method === 'POST') return item ? [`undelete:${last}`] : [`insert:${String(parsed?.id)}`]
  if (method === 'PATCH' || method === 'PUT') return [`${parsed?.deleted === false ? 'undelete' : 'update'}:${last}`]
  if (method === 'DELETE') return [`delete:${last}`]
  if (method === 'GET' && item) return [`get:${last}`]
  return []
}

/** A `fetch` in front of the real server that records every request and lets a test fail, delay or lose it. */
export function interceptFetch(interception: Interception = {}) {
  const requests: SeenRequest[] = []
  /** Off: requests pass untouched and unrecorded. */
  const state = { active: true }
  const fetchFn: typeof globalThis.fetch = async (input, init) => {
    if (!state.active) return fetch(input, init)
    const url = new URL(String(input instanceof Request ? input.url : input))
    const method = init?.method ?? 'GET'
    const body = typeof init?.body === 'string' && init.body ? JSON.parse(init.body) as Record<string, unknown> : undefined
    const request: SeenRequest = { method, path: decodeURIComponent(url.pathname), ops: opsOf(method, url.pathname, body), body }
    const index = requests.push(request) - 1
    await interception.before?.(request, index)
    const answer = interception.respond?.(request, index)
    if (answer) return answer
    const response = await fetch(input, init)
    const text = await response.text()
    if (await interception.after?.(request, index) === 'lose') throw new TypeError('fetch failed (test: the answer was lost)')
    return new Response(response.status === 204 ? null : text, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
  return {
    fetch: fetchFn,
    requests,
    state,
    /** Every operation that went out, `kind:id`, in order (single requests and batch members). */
    sent: () => requests.flatMap(request => request.ops),
    batches: () => requests.filter(request => request.path.endsWith('/$batch')),
  }
}

/** One way of pushing: which local store, and whether the server offers the batch endpoint. */
export interface PushMode {
  name: string
  store: 'memory' | 'dexie'
  batch: boolean
  /** @default '2.0.0' */
  apiVersion?: '2.0.0' | '3.0.0'
}

export interface PushSetup {
  store: LocalStore
  client: SyncClient
  tableClient: TableClient
  requests: ReturnType<typeof interceptFetch>
  push: (extra?: Partial<PushDeps>) => ReturnType<typeof push>
  operations: () => Promise<QueuedOperation[]>
  local: (table: string, id: string) => Promise<Row | undefined>
}

/**
 * A sync client on a fresh local store and a table client on the harness. In batch mode the table client has seen
 * the server's announcement (one GET) before the test starts, so every push sends batches.
 */
export async function pushSetup(h: Harness, mode: PushMode, options: { interception?: Interception, headers?: () => Record<string, string> } = {}): Promise<PushSetup> {
  const store = storeFactories.find(factory => factory.kind === mode.store)!.create(PUSH_TABLES)
  const client = createSyncClient({ store })
  const requests = interceptFetch(options.interception)
  const tableClient = createTableClient({ baseUrl: `${h.url}/tables`, apiVersion: mode.apiVersion, fetch: requests.fetch, headers: options.headers })
  if (mode.batch) {
    requests.state.active = false
    await tableClient.list('todos', { top: 1 })
    requests.state.active = true
  }
  return {
    store,
    client,
    tableClient,
    requests,
    push: extra => push({ client, tableClient, ...extra }),
    operations: () => client.operations(),
    local: (table, id) => store.transaction('readonly', [table], tx => tx.get(table, id)),
  }
}

/**
 * The lifecycle every push and conflict test file shares, for one mode: this package's server over `PUSH_TABLES` for
 * the `describe` (with the batch endpoint in batch mode; `prepare` runs on it once it started), and the local store
 * of every `setup()` closed after each test. Call at the top of a `describe.each(MODES)` body.
 */
export function pushSuite(mode: PushMode, options: { prepare?: (h: Harness) => void } = {}): {
  readonly h: Harness
  setup: (options?: { interception?: Interception, headers?: () => Record<string, string> }) => Promise<PushSetup>
} {
  let harness: Harness | undefined
  const stores: LocalStore[] = []
  beforeAll(async () => {
    harness = await startHarness('embedded', { tables: PUSH_TABLES, maxBatchSize: mode.batch ? 50 : 0 })
    options.prepare?.(harness)
  })
  afterAll(async () => {
    await harness?.close()
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map(store => store.close()))
  })
  const suite = {
    get h() {
      if (!harness) throw new Error('pushSuite: the server starts in beforeAll')
      return harness
    },
    async setup(setupOptions: { interception?: Interception, headers?: () => Record<string, string> } = {}) {
      const s = await pushSetup(suite.h, mode, setupOptions)
      stores.push(s.store)
      return s
    },
  }
  return suite
}

/** The server's item (deleted ones too), or `undefined`. */
export async function serverItem(h: Harness, table: string, id: string, user?: string): Promise<ServerItem | undefined> {
  const reply = await h.request('GET', `/tables/${table}/${encodeURIComponent(id)}?__includeDeleted=true`, { user })
  if (reply.status === 404) return undefined
  if (reply.status !== 200) throw new Error(`GET ${table}/${id} answered ${reply.status}: ${reply.text}`)
  return reply.json as ServerItem
}

/** Changes an item on the server as another device would (PATCH without If-Match). */
export async function changeOnServer(h: Harness, table: string, id: string, values: Record<string, unknown>): Promise<ServerItem> {
  const reply = await h.request('PATCH', `/tables/${table}/${encodeURIComponent(id)}`, { body: values })
  if (reply.status !== 200) throw new Error(`PATCH ${table}/${id} answered ${reply.status}: ${reply.text}`)
  return reply.json as ServerItem
}

/** Deletes an item on the server as another device would (DELETE without If-Match); returns what it answered. */
export async function deleteOnServer(h: Harness, table: string, id: string): Promise<ServerItem | undefined> {
  const reply = await h.request('DELETE', `/tables/${table}/${encodeURIComponent(id)}`)
  if (reply.status !== 200 && reply.status !== 204) throw new Error(`DELETE ${table}/${id} answered ${reply.status}: ${reply.text}`)
  return reply.json as ServerItem | undefined
}

/** Inserts an item on the server as another device would. */
export async function insertOnServer(h: Harness, table: string, item: Record<string, unknown>): Promise<ServerItem> {
  const reply = await h.request('POST', `/tables/${table}`, { body: item })
  if (reply.status !== 201) throw new Error(`POST ${table} answered ${reply.status}: ${reply.text}`)
  return reply.json as ServerItem
}

/** Sets one queued operation's state directly, as a page that went away in the middle of a push leaves it. */
export async function setOperationState(store: LocalStore, seq: number, state: QueuedOperation['state']): Promise<void> {
  await store.transaction('readwrite', [OPERATIONS_TABLE], async (tx) => {
    const operation = await tx.get<QueuedOperation>(OPERATIONS_TABLE, seq)
    await tx.put(OPERATIONS_TABLE, { ...operation!, state })
  })
}
