// Crash safety in Chromium (issue 6): the page dies in the middle of a burst of writes, or in the middle of a
// pull, either by `page.close()` or by SIGKILL to the whole browser; a new page on the same profile then finds
// every stored row with its queue operation, no operation without its row, and every watermark covered by stored
// rows, and syncs to the end from there.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerProcess } from '../concurrency/server-process'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import type { WatermarkRecord } from '../../src/runtime/core/sync/contract'
import { startChromium, type ChromiumProcess } from './support/chromium-process'
import { buildFixtureApp, startFixtureServer } from './support/fixture-app'
import { ITEMS, ITEMS_QUERY, NOTES } from './support/fixture-tables'
import { countStore, holdStore, readStores } from './support/indexeddb'
import type { OfflineSyncWindow } from './support/page-api'
import { watchErrors } from './support/playground'
import { seedFixtureDatabase } from './support/seed-fixture'
import { burstState, expectQueueAccountsForRows, startBurst } from './support/write-burst'

const DATABASE = 'offline-sync-reliability'
const API = { 'ZUMO-API-VERSION': '2.0.0' }
/** Rows of `items` on the server: 30 pages of the fixture's 100. */
const ITEMS_COUNT = 3000
/** Notes on the server: each crash variant updates and deletes its own 100 of them. */
const NOTES_PER_VARIANT = 100
/** Write chains of a burst (each: insert, update, sometimes delete; or update and sometimes delete of a synced note), and how many run at once. */
const CHAINS = 1500
const CONCURRENCY = 200
/** The page dies once this many writes were acknowledged (of about 3,400). */
const KILL_AFTER_WRITES = 600
/** The pull is held at this page request (1-based): the page dies while writing it, once the pages before it are stored. */
const HELD_PAGE = 8
const PAGE_SIZE = 100

type Kill = 'page.close()' | 'SIGKILL'
const KILLS: Kill[] = ['page.close()', 'SIGKILL']

let server: ServerProcess
let entry: string
let dataDir: string
const temp: string[] = []

beforeAll(async () => {
  entry = await buildFixtureApp()
  dataDir = await mkdtemp(join(tmpdir(), 'offline-sync-crash-'))
  await seedFixtureDatabase(dataDir, { items: ITEMS_COUNT, notes: NOTES_PER_VARIANT * KILLS.length })
  server = await startFixtureServer(entry, dataDir)
})

afterAll(async () => {
  await server?.stop()
  for (const dir of [dataDir, ...temp]) if (dir) await rm(dir, { recursive: true, force: true })
})

async function profile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'offline-sync-crash-profile-'))
  temp.push(dir)
  return dir
}

/** A page of the app in `context`, ready (hydrated, `window.__offlineSync` set). */
async function openApp(context: BrowserContext, errors?: string[]): Promise<Page> {
  const page = await context.newPage()
  if (errors) watchErrors(page, errors)
  await page.goto(`${server.url}/`, { waitUntil: 'load' })
  await page.locator('[data-ready="true"]').waitFor()
  return page
}

/** Every row of `table` on the server (soft-deleted ones left out unless `filter` asks), by id. */
async function serverRows(table: string, filter?: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = new Map<string, Record<string, unknown>>()
  for (;;) {
    const query = new URLSearchParams({ $orderby: 'updatedAt,id', $top: '1000', $skip: String(rows.size) })
    if (filter) query.set('$filter', filter)
    const response = await fetch(`${server.url}/tables/${table}?${query}`, { headers: API })
    if (!response.ok) throw new Error(`GET ${table}: ${response.status} ${await response.text()}`)
    const page = await response.json() as Record<string, unknown>[]
    for (const row of page) rows.set(String(row.id), row)
    if (page.length < 1000) return rows
  }
}

/** Kills the page the way `kill` says; with SIGKILL the browser is started again on the same profile. */
async function crash(kill: Kill, page: Page, chromium: ChromiumProcess, userDataDir: string): Promise<ChromiumProcess> {
  if (kill === 'page.close()') {
    await page.close()
    return chromium
  }
  await chromium.kill()
  return startChromium(userDataDir)
}

describe('a page that dies in the middle of a burst of writes', () => {
  it.each(KILLS)('%s: every stored row has its operation, every operation its row, one per item', async (kill) => {
    const variant = KILLS.indexOf(kill)
    const prefix = `burst${variant}`
    const firstNote = variant * NOTES_PER_VARIANT
    const userDataDir = await profile()
    let chromium = await startChromium(userDataDir)
    try {
      let page = await openApp(chromium.context)
      // the synced notes the burst changes: pulled with their versions first
      const pulled = await page.evaluate(() => (window as unknown as OfflineSyncWindow).__offlineSync.context.pull('notes'))
      expect(pulled.upserted).toBeGreaterThanOrEqual(NOTES_PER_VARIANT * KILLS.length)
      const before = await serverRows(NOTES)

      await startBurst(page, { prefix, firstNote, chains: CHAINS, concurrency: CONCURRENCY, synced: NOTES_PER_VARIANT })
      await expect.poll(async () => (await burstState(page)).acked.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(KILL_AFTER_WRITES)
      const atKill = await burstState(page)
      chromium = await crash(kill, page, chromium, userDataDir)
      expect(atKill.errors).toEqual([])
      const inFlight = atKill.issued - atKill.acked.length
      // the page died mid-way: hundreds of writes were waiting for their transaction, most chains had not started
      expect(inFlight).toBeGreaterThanOrEqual(CONCURRENCY / 2)

      const errors: string[] = []
      page = await openApp(chromium.context, errors)
      const stored = await readStores(page, DATABASE, [NOTES, '_operations'])
      const rows = new Map(stored[NOTES]!.map(row => [String(row.id), row]))
      const operations = stored._operations as unknown as QueuedOperation[]

      expectQueueAccountsForRows({ rows, operations, server: before, acked: atKill.acked, prefix, firstNote })
      // and the burst was cut short: not every insert of it is there
      const inserted = [...rows.keys()].filter(id => id.startsWith(`${prefix}-`)).length
      expect(inserted).toBeLessThan(CHAINS - NOTES_PER_VARIANT)

      // the queue as found is complete: one push sends it all, and the server then holds exactly the local rows
      const pushed = await page.evaluate(() => (window as unknown as OfflineSyncWindow).__offlineSync.context.push())
      expect({ pushed: pushed.pushed, conflicts: pushed.conflicts.length, errors: pushed.errors.length, stopped: pushed.stopped }).toEqual({ pushed: operations.length, conflicts: 0, errors: 0, stopped: undefined })
      const after = await readStores(page, DATABASE, [NOTES, '_operations'])
      expect(after._operations).toEqual([])
      const serverTitles = [...(await serverRows(NOTES)).values()].map(row => `${row.id} ${row.title}`).sort()
      expect(after[NOTES]!.map(row => `${row.id} ${row.title}`).sort()).toEqual(serverTitles)
      expect(errors).toEqual([])
      console.log(`crash-safety (${kill}): ${atKill.acked.length} writes acknowledged and ${inFlight} in flight when the page died; found ${operations.length} operations over ${rows.size} rows, pushed all`)
    }
    finally {
      await chromium.close()
    }
  })
})

describe('a page that dies in the middle of a pull', () => {
  it.each(KILLS)('%s: every watermark is covered by stored rows, and the pull resumes to the full set', async (kill) => {
    const userDataDir = await profile()
    let chromium = await startChromium(userDataDir)
    try {
      let page = await openApp(chromium.context)
      // the pull's page requests: from the HELD_PAGE-th on, each waits until the test lets it go
      let requests = 0
      let release: (() => void) | undefined
      const held = new Promise<void>(resolve => (release = resolve))
      let nextRequested: (() => void) | undefined
      const afterHeld = new Promise<void>(resolve => (nextRequested = resolve))
      const handler = async (route: Route) => {
        if (route.request().method() === 'GET') {
          const n = ++requests
          if (n > HELD_PAGE) {
            nextRequested!()
            return // never answered: the page dies first
          }
          if (n === HELD_PAGE) await held
        }
        await route.continue().catch(() => {})
      }
      const isItems = (url: URL) => url.pathname === `/tables/${ITEMS}`
      await chromium.context.route(isItems, handler)
      void page.evaluate(([table, query]) => (window as unknown as OfflineSyncWindow).__offlineSync.context.pull(table, query), [ITEMS, ITEMS_QUERY] as const).catch(() => {})

      // the pages before the held one are stored. Then a transaction of the test holds the rows' store, the held
      // page goes on its way, and once the pull asks for the page after it (so it has the held page in hand and
      // writes it next: that write is issued but waits behind the test's transaction), the page dies.
      await expect.poll(() => countStore(page, DATABASE, ITEMS), { timeout: 30_000, interval: 20 }).toBe((HELD_PAGE - 1) * PAGE_SIZE)
      await holdStore(page, DATABASE, ITEMS)
      release!()
      await afterHeld
      await new Promise(resolve => setTimeout(resolve, 500))
      chromium = await crash(kill, page, chromium, userDataDir)
      await chromium.context.unroute(isItems, handler).catch(() => {})

      const errors: string[] = []
      page = await openApp(chromium.context, errors)
      const stored = await readStores(page, DATABASE, [ITEMS, '_watermarks'])
      const ids = new Set(stored[ITEMS]!.map(row => String(row.id)))
      // mid-way: the pages written before the held one, nothing of the one whose write was cut off
      expect(ids.size).toBe((HELD_PAGE - 1) * PAGE_SIZE)
      const watermarks = stored._watermarks as unknown as WatermarkRecord[]
      expect(watermarks.map(record => record.id)).toEqual([`${ITEMS}/${ITEMS_QUERY}`])
      await expectWatermarksCovered(watermarks, ids)
      const interrupted = { rows: ids.size, watermark: watermarks[0]!.updatedAt }

      // the same pull again goes on from the watermark, not from the start, and ends with every row
      const resumed = await page.evaluate(([table, query]) => (window as unknown as OfflineSyncWindow).__offlineSync.context.pull(table, query), [ITEMS, ITEMS_QUERY] as const)
      expect(resumed.upserted).toBeLessThanOrEqual(ITEMS_COUNT - interrupted.rows + 1)
      const after = await readStores(page, DATABASE, [ITEMS, '_watermarks'])
      const all = await serverRows(ITEMS)
      expect(after[ITEMS]!.map(row => String(row.id)).sort()).toEqual([...all.keys()].sort())
      const [final] = after._watermarks as unknown as WatermarkRecord[]
      // serverRows is in updatedAt order: the watermark is now the newest row's
      expect(final!.updatedAt).toBe([...all.values()].at(-1)!.updatedAt)
      await expectWatermarksCovered(after._watermarks as unknown as WatermarkRecord[], new Set(after[ITEMS]!.map(row => String(row.id))))
      expect(errors).toEqual([])
      console.log(`crash-safety (${kill}): pull died with ${interrupted.rows} of ${ITEMS_COUNT} rows stored (watermark ${interrupted.watermark}); resumed with ${resumed.upserted} rows in ${resumed.pages} pages`)
    }
    finally {
      await chromium.close()
    }
  })
})

/** For each watermark W of a query: every server row of that query with updatedAt <= W is among `stored`. */
async function expectWatermarksCovered(watermarks: WatermarkRecord[], stored: Set<string>): Promise<void> {
  for (const record of watermarks) {
    const upTo = `updatedAt le datetimeoffset'${record.updatedAt}'`
    const covered = await serverRows(record.table, record.filter ? `(${record.filter}) and ${upTo}` : upTo)
    expect(covered.size).toBeGreaterThan(0)
    const missing = [...covered.keys()].filter(id => !stored.has(id))
    expect(missing, `rows at or before the watermark ${record.updatedAt} of ${record.id} not stored`).toEqual([])
  }
}
