import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp, createRouter, getRequestHeader, toNodeListener } from 'h3'
import { createHooks } from 'hookable'
import { sql } from 'kysely'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import { migrate } from '../../../src/runtime/server/db/migrate'
import { openDatabase, type SyncDatabase } from '../../../src/runtime/server/db/open-database'
import { createTableService } from '../../../src/runtime/server/table-service'
import type { OfflineSyncHooks, SqlRow, SyncKysely } from '../../../src/runtime/server/types'
import { TEST_DATABASE_URL } from '../../support/postgres'

/** The tables every conformance suite works on. */
export const TABLES: TablesDefinition = {
  todos: { columns: { text: 'string', done: 'boolean', priority: 'number', due: 'date', meta: 'json' }, indexes: ['done', 'priority+text'] },
  pages: { columns: { n: 'number', text: 'string' } },
  notes: { columns: { text: 'string' }, owner: 'userId' },
  hard: { columns: { text: 'string' }, softDelete: false },
  guarded: { columns: { text: 'string', status: 'string', secret: 'boolean' } },
}

export type Backend = 'embedded' | 'postgres'
export type Version = '2.0.0' | '3.0.0' | null

export interface Reply {
  status: number
  headers: Headers
  text: string
  /** The parsed JSON body, or `undefined` when there is none (loosely typed: tests inspect it freely). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

export interface RequestInit {
  version?: Version
  body?: unknown
  /** Sent as is (no JSON encoding). */
  raw?: string
  headers?: Record<string, string>
  /** Send the body as a stream (chunked, without Content-Length). */
  chunked?: boolean
  /** Sent as `x-test-user`: the test authenticate hook turns it into the caller. */
  user?: string
}

export interface Harness {
  backend: Backend
  url: string
  db: SyncKysely
  hooks: ReturnType<typeof createHooks<OfflineSyncHooks>>
  /** Errors the service logged (500s). */
  logged: unknown[]
  request: (method: string, path: string, init?: RequestInit) => Promise<Reply>
  /** Every row of every table, to prove a refused request changed nothing. */
  snapshot: () => Promise<Record<string, SqlRow[]>>
  close: () => Promise<void>
}

export interface HarnessOptions {
  pageSize?: number
  maxBodySize?: number
  /** Largest batch push (`POST /tables/$batch`, announced as `X-Offline-Sync-Batch`); 0 turns it off. @default 500 */
  maxBatchSize?: number
  /** PostgreSQL: the schema to create (and drop); default a random `conformance_…`. Its connections carry it as `application_name`. */
  schema?: string
  /** Other tables than `TABLES`. */
  tables?: TablesDefinition
}

async function openBackend(backend: Backend, schema = `conformance_${randomBytes(6).toString('hex')}`): Promise<{ database: SyncDatabase, drop: () => Promise<void> }> {
  if (backend === 'embedded') return { database: await openDatabase({ dataDir: 'memory://' }), drop: async () => {} }
  const target = new URL(TEST_DATABASE_URL)
  target.searchParams.set('application_name', schema)
  const url = target.toString()
  const admin = await openDatabase({ url, poolSize: 1 })
  const drop = async () => {
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db)
    }
    finally {
      await admin.close()
    }
  }
  try {
    await sql`create schema ${sql.id(schema)}`.execute(admin.db)
    return { database: await openDatabase({ url, schema }), drop }
  }
  catch (error) {
    await drop().catch(() => {})
    throw error
  }
}

/** The table service on a fresh database, behind a real HTTP listener on 127.0.0.1 (h3 + node:http). */
export async function startHarness(backend: Backend, options: HarnessOptions = {}): Promise<Harness> {
  const { database, drop } = await openBackend(backend, options.schema)
  const tables = options.tables ?? TABLES
  const hooks = createHooks<OfflineSyncHooks>()
  hooks.hook('offline-sync:authenticate', (ctx) => {
    const user = getRequestHeader(ctx.event, 'x-test-user')
    if (user) ctx.user = { id: user }
  })
  const logged: unknown[] = []
  let server: Server
  try {
    const service = createTableService({
      tables,
      db: database.db,
      hooks,
      pageSize: options.pageSize,
      maxBodySize: options.maxBodySize ?? 64 * 1024,
      maxBatchSize: options.maxBatchSize,
      logError: error => logged.push(error),
    })
    await migrate(database.db, service.tables.values())
    // `/tables/$batch` (the batch push) reaches the service through `/tables/:table`.
    const router = createRouter().use('/tables/:table', service.handler).use('/tables/:table/:id', service.handler)
    server = createServer(toNodeListener(createApp().use(router)))
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  }
  catch (error) {
    // Nothing of a failed start stays behind: the pools close and the schema goes.
    await database.close().catch(() => {})
    await drop().catch(() => {})
    throw error
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  async function request(method: string, path: string, init: RequestInit = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers }
    const version = init.version === undefined ? '2.0.0' : init.version
    if (version) headers['ZUMO-API-VERSION'] ??= version
    if (init.user) headers['x-test-user'] = init.user
    let body: string | undefined = init.raw
    if (init.body !== undefined) {
      body = JSON.stringify(init.body)
      headers['content-type'] ??= 'application/json'
    }
    const stream = init.chunked && body !== undefined
      ? new ReadableStream({
          start(controller) {
            const bytes = new TextEncoder().encode(body)
            for (let at = 0; at < bytes.length; at += 16 * 1024) controller.enqueue(bytes.subarray(at, at + 16 * 1024))
            controller.close()
          },
        })
      : undefined
    const response = await fetch(url + path, stream ? { method, headers, body: stream, duplex: 'half' } as globalThis.RequestInit : { method, headers, body })
    const text = await response.text()
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    }
    catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  }

  async function snapshot(): Promise<Record<string, SqlRow[]>> {
    const result: Record<string, SqlRow[]> = {}
    for (const table of Object.keys(tables)) {
      result[table] = await database.db.selectFrom(table).selectAll().orderBy('id').execute()
    }
    return result
  }

  return {
    backend,
    url,
    db: database.db,
    hooks,
    logged,
    request,
    snapshot,
    async close() {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
      await database.close()
      await drop()
    },
  }
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`: exactly three decimals and `Z`. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

let counter = 0
/** A fresh id for a test row. */
export function newId(prefix = 'row'): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}-${randomBytes(3).toString('hex')}`
}
