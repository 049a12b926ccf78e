// A device of the convergence suite (test/reliability/support/sim-client.ts) that is a real Chromium page of the
// built test/fixtures/reliability app: its own browser context (own IndexedDB), the app's own sync client and
// context (the module's plugin: Dexie, Web Lock, hooks), driven through page.evaluate. The app's
// `offline-sync:request` hook sends its table requests to the device's fault proxy (cross-origin, CORS), and its
// `offline-sync:conflict` hook asks the suite's policy, which runs here in Node.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { OfflineSyncError, type OfflineSyncErrorCode } from '../../../src/runtime/core/errors'
import type { Row } from '../../../src/runtime/core/store'
import type { ConflictRecord, Resolution } from '../../../src/runtime/core/sync/contract'
import { simStoredRow } from '../../reliability/support/node-sim-client'
import type { SimClient, SimClientFactory } from '../../reliability/support/sim-client'
import type { SimWindow } from './page-api'
import { watchErrors } from './playground'

/** An error thrown in the page, as it crosses into Node: an `OfflineSyncError` keeps its code and fields. */
interface PageError {
  name: string
  message: string
  code?: OfflineSyncErrorCode
  fields: Record<string, string | number | undefined>
}

type Outcome<T> = { ok: true, value: T } | { ok: false, error: PageError }

/** What the page answers, by method (see `installDispatcher`): the device's calls, raw rows and the tables it has. */
type PageMethods = Pick<SimClient, 'insert' | 'update' | 'remove' | 'setOnline' | 'push' | 'pull' | 'queueLength' | 'conflicts' | 'resolve'> & {
  rows: (tables: string[]) => Promise<Record<string, Row[]>>
  tables: () => Promise<string>
  /** Operations the page's pushes sent, the implicit push of a pull included (from the context's status). */
  pushedTotal: () => Promise<number>
}

/** `__simCall` as seen from Node, where the method's name is only a string. */
type CallWindow = Window & { __simCall: (method: string, args: unknown[]) => Promise<Outcome<unknown>> }

type DispatchWindow = SimWindow & { __simCall: <K extends keyof PageMethods>(method: K, args: Parameters<PageMethods[K]>) => Promise<Outcome<Awaited<ReturnType<PageMethods[K]>>>> }

/** Runs in the page: `window.__simCall(method, args)` over the app's client and context, errors as data. */
function installDispatcher(): void {
  const target = window as unknown as DispatchWindow
  const { client, context } = target.__offlineSync
  // every push the context runs (explicit, or the implicit one of a pull) ends in a new `lastPush` object
  let pushedTotal = 0
  let seen = context.status().lastPush
  context.subscribeStatus(({ lastPush }) => {
    if (!lastPush || lastPush === seen) return
    seen = lastPush
    pushedTotal += lastPush.result.pushed
  })
  const methods: PageMethods = {
    insert: async (table, row) => void await client.table(table).insert({ ...row }),
    update: async (table, row) => void await client.table(table).update({ ...row }),
    remove: (table, id) => client.table(table).remove(id),
    setOnline: async online => context.setOnline(online),
    async push() {
      const result = await context.push()
      return { pushed: result.pushed, conflicts: result.conflicts.length, errors: result.errors.length, stopped: result.stopped?.reason }
    },
    async pull(table, queryName) {
      const result = await context.pull(table, queryName)
      return { upserted: result.upserted, deleted: result.deleted, skipped: result.skipped }
    },
    async rows(tables) {
      const rows: Record<string, Row[]> = {}
      for (const table of tables) rows[table] = await client.table<Row>(table).list({ orderBy: 'id' })
      return rows
    },
    queueLength: () => client.pendingCount(),
    conflicts: () => client.store.transaction('readonly', ['_conflicts'], tx => tx.query<ConflictRecord>('_conflicts')),
    resolve: (conflictId, resolution) => context.resolve(conflictId, resolution),
    tables: async () => JSON.stringify(client.tables),
    pushedTotal: async () => pushedTotal,
  }
  target.__simCall = async (method, args) => {
    try {
      const value = await (methods[method] as (...a: unknown[]) => Promise<unknown>)(...args)
      return { ok: true, value } as never
    }
    catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown))
      const record = error as unknown as Record<string, unknown>
      const fields: PageError['fields'] = {}
      for (const key of ['status', 'table', 'id', 'url', 'reason', 'action']) {
        const value = record[key]
        if (typeof value === 'string' || typeof value === 'number') fields[key] = value
      }
      return { ok: false, error: { name: error.name, message: error.message, code: record.code as OfflineSyncErrorCode | undefined, fields } }
    }
  }
}

/** The page's error as a Node error: an `OfflineSyncError` with the page's code, name and fields (`status`…). */
function nodeError(error: PageError): Error {
  const result = error.code ? new OfflineSyncError(error.code, error.message) : new Error(error.message)
  return Object.assign(result, { name: error.name }, error.fields)
}

export interface DeviceStats {
  writes: number
  pushed: number
  pulled: number
  conflicts: number
}

export interface BrowserDevices {
  /** One device per call: a new browser context with one page of the app at `appUrl`. */
  factory: SimClientFactory
  /** What each device did that reached its page: writes made, operations its pushes sent (a pull's implicit push included), rows its pulls stored, conflicts its page asked the policy about. */
  stats: () => Record<string, DeviceStats>
  /** Errors the devices' pages reported that no test provoked (uncaught errors, console errors), as `<device>: <error>`. */
  errors: () => string[]
}

/**
 * Browser devices over `browser` for pages of the app at `appUrl`. Failed requests are expected (the fault
 * proxies drop and reset them), so only uncaught errors and console errors other than failed loads are collected.
 */
export function browserDevices(browser: Browser, appUrl: string): BrowserDevices {
  const devicesErrors: { name: string, errors: string[] }[] = []
  const stats: Record<string, DeviceStats> = {}
  const expected = (text: string) => text.startsWith('request failed:') || /Failed to load resource|net::ERR_|CORS/.test(text)

  const factory: SimClientFactory = async (setup) => {
    const context: BrowserContext = await browser.newContext()
    try {
      const page: Page = await context.newPage()
      const counts: DeviceStats = stats[setup.name] = { writes: 0, pushed: 0, pulled: 0, conflicts: 0 }
      const own: string[] = []
      devicesErrors.push({ name: setup.name, errors: own })
      watchErrors(page, own, expected)
      await page.exposeFunction('__simResolveConflict', (conflict: ConflictRecord): Resolution => {
        counts.conflicts += 1
        const resolution = setup.resolveConflict(conflict)
        setup.onResolved(conflict, resolution)
        return resolution
      })
      await page.goto(appUrl, { waitUntil: 'load' })
      await page.locator('[data-ready="true"]').waitFor()
      await page.evaluate(installDispatcher)
      await page.evaluate((base) => {
        (window as unknown as SimWindow).__simBackend = base
      }, setup.baseUrl)

      const call = async <K extends keyof PageMethods>(method: K, ...args: Parameters<PageMethods[K]>): Promise<Awaited<ReturnType<PageMethods[K]>>> => {
        const outcome: Outcome<unknown> = await page.evaluate(([method, args]) => (window as unknown as CallWindow).__simCall(method, args), [method as string, args as unknown[]] as const)
        if (!outcome.ok) throw nodeError(outcome.error)
        return outcome.value as Awaited<ReturnType<PageMethods[K]>>
      }

      const appTables = JSON.parse(await call('tables')) as Record<string, unknown>
      for (const [name, definition] of Object.entries(setup.tables)) {
        if (JSON.stringify(appTables[name]) !== JSON.stringify(definition)) throw new Error(`the browser fixture declares ${name} as ${JSON.stringify(appTables[name])}, the suite as ${JSON.stringify(definition)}`)
      }

      const device: SimClient = {
        name: setup.name,
        insert: async (table, row) => {
          await call('insert', table, row)
          counts.writes += 1
        },
        update: async (table, row) => {
          await call('update', table, row)
          counts.writes += 1
        },
        remove: async (table, id) => {
          await call('remove', table, id)
          counts.writes += 1
        },
        setOnline: online => call('setOnline', online),
        async push() {
          const result = await call('push')
          counts.pushed = await call('pushedTotal')
          return result
        },
        async pull(table, queryName) {
          const result = await call('pull', table, queryName)
          counts.pulled += result.upserted + result.deleted
          counts.pushed = await call('pushedTotal')
          return result
        },
        async snapshot() {
          const rows = await call('rows', Object.keys(setup.tables))
          return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.map(simStoredRow)]))
        },
        queueLength: () => call('queueLength'),
        conflicts: () => call('conflicts'),
        resolve: (conflictId, resolution) => call('resolve', conflictId, resolution),
        dispose: () => context.close(),
      }
      return device
    }
    catch (error) {
      await context.close()
      throw error
    }
  }
  return { factory, stats: () => structuredClone(stats), errors: () => devicesErrors.flatMap(({ name, errors }) => errors.map(error => `${name}: ${error}`)) }
}
