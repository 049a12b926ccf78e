// Storage pressure in Chromium (issue 6): a QuotaExceededError raised by IndexedDB inside the page reaches the app as
// a typed StorageError and leaves the rows and the queue as they were (checked in IndexedDB after a reload); the
// store shows the browser's real storage figures; `sync.persistentStorage` asks for persistent storage at start.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerProcess, type ServerProcess } from '../concurrency/server-process'
import type { StorageInfo } from '../../src/runtime/browser/storage-manager'
import { buildFixtureApp } from './support/fixture-app'
import { ITEMS, ITEMS_QUERY, NOTES } from './support/fixture-tables'
import { readStores } from './support/indexeddb'
import type { OfflineSyncWindow } from './support/page-api'
import { launchChromium, watchErrors } from './support/playground'
import { seedFixtureDatabase } from './support/seed-fixture'

const DATABASE = 'offline-sync-reliability'
/** Rows of `items` on the server without persistent storage: pages of the fixture's 100. */
const ITEMS_COUNT = 250
/** The quota runs out after this many row writes of a pull (its first page). */
const PUTS_BEFORE_QUOTA = 100

type PersistWindow = OfflineSyncWindow & { __persistCalls: number }

let browser: Browser
const servers: ServerProcess[] = []
const temp: string[] = []
const contexts: BrowserContext[] = []
/** The fixture app with `sync.persistentStorage` as given (runtime config from the environment), on its own database. */
let optedIn: ServerProcess
let optedOut: ServerProcess

async function startFixture(entry: string, persistentStorage: boolean, items = 0): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'offline-sync-storage-'))
  temp.push(dataDir)
  if (items) await seedFixtureDatabase(dataDir, { items, notes: 0 })
  const server = await startServerProcess(entry, {
    NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: dataDir,
    NUXT_OFFLINE_SYNC_DATABASE_URL: '',
    DATABASE_URL: '',
    NUXT_PUBLIC_OFFLINE_SYNC_SYNC_PERSISTENT_STORAGE: String(persistentStorage),
  }, '/tables/notes', 60_000)
  servers.push(server)
  return server
}

beforeAll(async () => {
  const entry = await buildFixtureApp()
  ;[optedIn, optedOut] = await Promise.all([startFixture(entry, true), startFixture(entry, false, ITEMS_COUNT)])
  browser = await launchChromium()
}, 300_000)

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close()
  for (const server of servers) await server.stop()
  for (const dir of temp) await rm(dir, { recursive: true, force: true })
})

/** A page of a fresh browser context on `server`, ready; `navigator.storage.persist()` calls are counted. */
async function openApp(server: ServerProcess, errors: string[]): Promise<Page> {
  const context = await browser.newContext()
  contexts.push(context)
  await context.addInitScript(() => {
    const target = window as unknown as PersistWindow
    target.__persistCalls = 0
    const storage = navigator.storage
    const persist = storage.persist.bind(storage)
    storage.persist = () => {
      target.__persistCalls += 1
      return persist()
    }
  })
  const page = await context.newPage()
  watchErrors(page, errors)
  await page.goto(server.url)
  await page.locator('[data-ready="true"]').waitFor()
  return page
}

const storeStorage = (page: Page) => page.evaluate(() => ({ ...(window as unknown as OfflineSyncWindow).__offlineSync.store.storage }))

describe('storage figures and persistent storage', () => {
  it('asks for persistent storage once when the app opts in, and the store shows the browser\'s figures', async () => {
    const errors: string[] = []
    const page = await openApp(optedIn, errors)
    expect(await page.evaluate(() => (window as unknown as PersistWindow).__persistCalls)).toBe(1)
    const persisted = await page.evaluate(() => navigator.storage.persisted())
    await expect.poll(() => storeStorage(page)).toMatchObject({ persisted })
    const first = await storeStorage(page)
    expect(first.quota).toBeGreaterThan(0)

    await page.evaluate(async () => {
      const notes = (window as unknown as OfflineSyncWindow).__offlineSync.client.table('notes')
      for (let i = 0; i < 300; i++) await notes.insert({ title: `note ${i} ${'x'.repeat(200)}`, n: i, done: false })
    })
    const after: StorageInfo = await page.evaluate(() => (window as unknown as OfflineSyncWindow).__offlineSync.store.refreshStorage())
    expect(after.usage).toBeGreaterThan(first.usage!)
    // the browser's own figures, not made up: nothing was written since the store read them
    const estimate = await page.evaluate(() => navigator.storage.estimate())
    expect(after).toMatchObject({ usage: estimate.usage, quota: estimate.quota })
    expect(after.quota).toBeGreaterThan(after.usage!)
    expect(await storeStorage(page)).toEqual(after)
    console.log(`[storage-pressure] Chromium: usage ${first.usage} → ${after.usage} bytes after 300 inserts, quota ${after.quota}, persisted ${after.persisted}`)
    expect(await page.evaluate(() => (window as unknown as PersistWindow).__persistCalls)).toBe(1)
    expect(errors).toEqual([])
  })

  it('does not ask when the app does not opt in (the default)', async () => {
    const errors: string[] = []
    const page = await openApp(optedOut, errors)
    await expect.poll(() => storeStorage(page).then(info => typeof info.usage)).toBe('number')
    expect(await page.evaluate(() => (window as unknown as PersistWindow).__persistCalls)).toBe(0)
    expect(errors).toEqual([])
  })
})

describe('a QuotaExceededError from IndexedDB in the page', () => {
  it('gives the app a typed StorageError for insert, update and remove, and the rows and queue are intact after a reload', async () => {
    const errors: string[] = []
    const page = await openApp(optedOut, errors)
    // two synced rows (an update or remove of them appends an operation) and two queued inserts
    const ids = await page.evaluate(async () => {
      const { client, context } = (window as unknown as OfflineSyncWindow).__offlineSync
      const notes = client.table('notes')
      const synced = [await notes.insert({ title: 'synced 0', n: 0, done: false }), await notes.insert({ title: 'synced 1', n: 1, done: false })]
      await context.push()
      for (let i = 0; i < 2; i++) await notes.insert({ title: `queued ${i}`, n: i, done: false })
      return synced.map(row => row.id)
    })
    const before = await readStores(page, DATABASE, [NOTES, '_operations'])
    expect(before._operations).toHaveLength(2)
    expect(before[NOTES]).toHaveLength(4)

    // IndexedDB refuses every write to the table and to the queue, as a full disk would
    const failures = await page.evaluate(async ([first, second]) => {
      const proto = IDBObjectStore.prototype
      const original = { put: proto.put, add: proto.add }
      for (const method of ['put', 'add'] as const) {
        proto[method] = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
          if (this.name === 'notes' || this.name === '_operations') throw new DOMException('The quota has been exceeded (test)', 'QuotaExceededError')
          return original[method].apply(this, args)
        }
      }
      const notes = (window as unknown as OfflineSyncWindow).__offlineSync.client.table('notes')
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['insert', () => notes.insert({ title: 'lost?', n: 9, done: false })],
        ['update', () => notes.update({ id: first!, title: 'changed?' })],
        ['remove', () => notes.remove(second!)],
      ]
      const seen: Record<string, unknown> = {}
      for (const [name, attempt] of attempts) {
        try {
          await attempt()
          seen[name] = 'no error'
        }
        catch (error) {
          const e = error as { name: string, code?: string, reason?: string, quotaExceeded?: boolean }
          seen[name] = { name: e.name, code: e.code, reason: e.reason, quotaExceeded: e.quotaExceeded }
        }
      }
      return seen
    }, ids)
    const typed = { name: 'StorageError', code: 'STORAGE', reason: 'QuotaExceededError', quotaExceeded: true }
    expect(failures).toEqual({ insert: typed, update: typed, remove: typed })

    await page.reload()
    await page.locator('[data-ready="true"]').waitFor()
    expect(await readStores(page, DATABASE, [NOTES, '_operations'])).toEqual(before)
    // space is back: the app goes on writing, each write with its operation
    await page.evaluate(() => (window as unknown as OfflineSyncWindow).__offlineSync.client.table('notes').insert({ title: 'after', n: 4, done: false }))
    const after = await readStores(page, DATABASE, [NOTES, '_operations'])
    expect(after._operations).toHaveLength(3)
    expect(after[NOTES]).toHaveLength(5)
    expect(errors).toEqual([])
  })

  it('a pull whose page write hits the quota: typed error, the page before it stays with its watermark; after a reload the next pull goes on', async () => {
    const errors: string[] = []
    const page = await openApp(optedOut, errors)
    const failure = await page.evaluate(async ([table, query, allowed]) => {
      const proto = IDBObjectStore.prototype
      const original = { put: proto.put, add: proto.add }
      let puts = 0
      for (const method of ['put', 'add'] as const) {
        proto[method] = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
          if (this.name === table && ++puts > allowed) throw new DOMException('The quota has been exceeded (test)', 'QuotaExceededError')
          return original[method].apply(this, args)
        }
      }
      try {
        await (window as unknown as OfflineSyncWindow).__offlineSync.context.pull(table, query)
        return 'no error'
      }
      catch (error) {
        const e = error as { name: string, code?: string, reason?: string, quotaExceeded?: boolean }
        return { name: e.name, code: e.code, reason: e.reason, quotaExceeded: e.quotaExceeded }
      }
    }, [ITEMS, ITEMS_QUERY, PUTS_BEFORE_QUOTA] as const)
    expect(failure).toEqual({ name: 'StorageError', code: 'STORAGE', reason: 'QuotaExceededError', quotaExceeded: true })

    await page.reload()
    await page.locator('[data-ready="true"]').waitFor()
    const stored = await readStores(page, DATABASE, [ITEMS, '_watermarks', '_operations'])
    expect(stored[ITEMS]).toHaveLength(PUTS_BEFORE_QUOTA)
    expect(stored._watermarks).toHaveLength(1)
    expect(stored._watermarks![0]!.updatedAt).toBe(stored[ITEMS]!.map(row => row.updatedAt as string).sort().at(-1))
    expect(stored._operations).toEqual([])

    const next = await page.evaluate(([table, query]) => (window as unknown as OfflineSyncWindow).__offlineSync.context.pull(table, query), [ITEMS, ITEMS_QUERY] as const)
    // incremental from the stored watermark: the first page is not fetched again
    expect(next.upserted).toBeLessThan(ITEMS_COUNT)
    expect((await readStores(page, DATABASE, [ITEMS]))[ITEMS]).toHaveLength(ITEMS_COUNT)
    expect(errors).toEqual([])
  })
})
