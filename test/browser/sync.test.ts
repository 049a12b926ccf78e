import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { $fetch, setup, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addList, addTodo, editTodo, launchChromium, openPage, selectList, selectedListId } from './support/playground'

// One production build of the playground for the whole file; its table server runs on the embedded database in a
// fresh folder. No sync interval: the app syncs on start, on reconnect and on "Sync now" only, so every sync in
// these tests has a known cause.
const dataDir = mkdtempSync(join(tmpdir(), 'offline-sync-browser-'))
await setup({
  rootDir: fileURLToPath(new URL('../../playground', import.meta.url)),
  browser: false,
  server: true,
  env: { NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: dataDir, NUXT_PUBLIC_OFFLINE_SYNC_SYNC_INTERVAL: '0' },
})

/** Set `UPDATE_SCREENSHOTS=1` to write the README's screenshots of the playground while the tests run. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1'
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url))
const API = { 'ZUMO-API-VERSION': '2.0.0' }
/** How long a sync round trip may take on a busy machine before a poll gives up (a bound, not a speed target). */
const SYNCED = { timeout: 20_000 }

interface ServerTodo { id: string, text: string, done: boolean, listId: string, version: string, updatedAt: string }
interface ServerList { id: string, name: string }

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** What the server holds, read over HTTP like any other client. */
function serverRows<T>(table: string, filter?: string): Promise<T[]> {
  return $fetch<T[]>(`/tables/${table}`, { headers: API, query: { $filter: filter, $top: 1000 } })
}

function serverTodos(listId: string) {
  return serverRows<ServerTodo>('todos', `listId eq '${listId}'`)
}

/**
 * A browser profile (its own IndexedDB: one user's device) with one page on the playground, synced once. Errors
 * that `expected` accepts are not collected.
 */
async function openDevice(expected?: (text: string) => boolean): Promise<{ context: BrowserContext, page: Page, errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } })
  const errors: string[] = []
  const page = await openTab(context, errors, expected)
  return { context, page, errors }
}

/** Another page of `context`, hydrated and past the sync the app runs when it starts. */
async function openTab(context: BrowserContext, errors: string[], expected?: (text: string) => boolean): Promise<Page> {
  const page = await openPage(context, url('/'), errors, expected)
  await expect.poll(() => page.getByTestId('sync-status').textContent(), SYNCED).toMatch(/^Synced at/)
  return page
}

/** Clicks "Sync now" once it can be clicked. */
async function clickSyncNow(page: Page) {
  await page.getByTestId('sync-now').click()
}

function pendingCount(page: Page) {
  return page.getByTestId('pending-count').textContent()
}

function todoTexts(page: Page) {
  return page.getByTestId('todo-text').allTextContents()
}

/**
 * The writes a context sends to the table server, one `kind table id` entry per operation: single requests
 * (POST = insert with the id in the body, PATCH/PUT = update, DELETE = delete) and each operation of a batch.
 */
function recordWrites(context: BrowserContext): string[] {
  const writes: string[] = []
  context.on('request', (request: Request) => {
    const path = new URL(request.url()).pathname
    const match = /^\/tables\/([^/]+)(?:\/([^/]+))?$/.exec(path)
    if (!match || request.method() === 'GET' || request.method() === 'OPTIONS') return
    const table = decodeURIComponent(match[1]!)
    const id = match[2]
    if (table === '$batch') {
      const body = request.postDataJSON() as { operations: { kind: string, table: string, id: string }[] }
      for (const operation of body.operations) writes.push(`${operation.kind} ${operation.table} ${operation.id}`)
      return
    }
    const kind = { POST: 'insert', PATCH: 'update', PUT: 'update', DELETE: 'delete' }[request.method()] ?? request.method()
    const itemId = id ? decodeURIComponent(id) : (request.postDataJSON() as { id: string }).id
    writes.push(`${kind} ${table} ${itemId}`)
  })
  return writes
}

/** The sync interval the app runs with: its public runtime config, as the server renders it into every page. */
async function syncInterval(): Promise<number | undefined> {
  const html = await $fetch<string>('/')
  const match = /offlineSync:\{[\s\S]*?\bsync:\{[^}]*?\binterval:(\d+)/.exec(html)
  return match ? Number(match[1]) : undefined
}

/** The todo whose text is exactly `text`. */
function todoItem(page: Page, text: string) {
  return page.getByTestId('todo').filter({ has: page.getByTestId('todo-text').getByText(text, { exact: true }) })
}

/** Whether some tab of the page's origin waits for a Web Lock (another tab holds it). */
function waitingForLock(page: Page): Promise<boolean> {
  return page.evaluate(async () => ((await navigator.locks.query()).pending ?? []).length > 0)
}

function duplicates(values: string[]): string[] {
  return values.filter((value, index) => values.indexOf(value) !== index)
}

describe('sync in Chromium', () => {
  it('pushes what was written offline and pulls the named queries when the network comes back, with no call from the page', async () => {
    const { context, page, errors } = await openDevice()
    // the only automatic syncs are the ones on start and on reconnect
    expect(await syncInterval()).toBe(0)
    const writes = recordWrites(context)

    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    await addList(page, 'Groceries')
    const listId = selectedListId(page)!
    expect(listId).toBeTruthy()
    await addTodo(page, 'Buy milk')
    await addTodo(page, 'Bake bread')
    await todoItem(page, 'Buy milk').getByRole('checkbox').check()
    await expect.poll(() => pendingCount(page), SYNCED).toBe('3')
    // "Sync now" waits for the network
    expect(await page.getByTestId('sync-now').isDisabled()).toBe(true)

    // meanwhile another device adds a todo to the same list on the server
    const eggs = { id: randomUUID(), text: 'Eggs', done: false, listId, createdOn: new Date(Date.now() + 60_000).toISOString() }
    await $fetch('/tables/todos', { method: 'POST', headers: API, body: eggs })
    if (SCREENSHOTS) await page.screenshot({ path: join(IMAGES, 'playground.png') })
    expect(writes).toEqual([])
    expect(await serverRows<ServerList>('lists')).toEqual([])

    await context.setOffline(false)
    // pushed: the list and both todos (the check collapsed into the insert), each once
    await expect.poll(async () => (await serverTodos(listId)).map(todo => [todo.text, todo.done]).sort(), SYNCED)
      .toEqual([['Bake bread', false], ['Buy milk', true], ['Eggs', false]])
    expect((await serverRows<ServerList>('lists')).map(list => [list.id, list.name])).toEqual([[listId, 'Groceries']])
    // pulled: the other device's todo shows up in the list
    await expect.poll(() => todoTexts(page), SYNCED).toEqual(['Buy milk', 'Bake bread', 'Eggs'])
    await expect.poll(() => pendingCount(page), SYNCED).toBe('0')
    await expect.poll(() => page.getByTestId('sync-status').textContent(), SYNCED).toMatch(/^Synced at/)
    expect(await page.getByTestId('offline-banner').count()).toBe(0)
    expect(writes).toHaveLength(3)
    expect(duplicates(writes)).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })

  it('shows a conflict between two devices and resolves it with Keep mine, Keep theirs and a merge', async () => {
    const a = await openDevice()
    await addList(a.page, 'Work')
    const listId = selectedListId(a.page)!
    await addTodo(a.page, 'Write report')
    await clickSyncNow(a.page)
    await expect.poll(async () => (await serverTodos(listId)).map(todo => todo.text), SYNCED).toEqual(['Write report'])
    await expect.poll(() => pendingCount(a.page), SYNCED).toBe('0')

    // the second device gets the list on start; Chromium logs each refused push (409/412) as a console error
    const b = await openDevice(text => /status of 4(?:09|12)\b.*\/tables\//.test(text))
    await selectList(b.page, 'Work')
    await expect.poll(() => todoTexts(b.page), SYNCED).toEqual(['Write report'])

    /** A edits and syncs first; B edits the same todo from the old version and syncs: the server refuses B's. */
    async function collide(from: string, fromA: string, fromB: string) {
      await editTodo(a.page, from, fromA)
      await clickSyncNow(a.page)
      await expect.poll(async () => (await serverTodos(listId)).map(todo => todo.text), SYNCED).toEqual([fromA])
      await expect.poll(() => pendingCount(a.page), SYNCED).toBe('0')
      await editTodo(b.page, from, fromB)
      await clickSyncNow(b.page)
      const conflict = b.page.getByTestId('conflict')
      await conflict.waitFor()
      expect(await b.page.getByTestId('conflict-count').textContent()).toBe('1')
      const text = conflict.locator('[data-testid="conflict-field"][data-field="text"]')
      expect(await text.getAttribute('class')).toContain('differs')
      expect(await text.getByTestId('mine').textContent()).toContain(fromB)
      expect(await text.getByTestId('theirs').textContent()).toContain(fromA)
      const done = conflict.locator('[data-testid="conflict-field"][data-field="done"]')
      expect(await done.getAttribute('class')).not.toContain('differs')
      // the change waits in the queue; the page keeps showing mine until I decide
      expect(await pendingCount(b.page)).toBe('1')
      expect(await todoTexts(b.page)).toEqual([fromB])
      return conflict
    }

    async function settled(text: string) {
      await expect.poll(() => b.page.getByTestId('conflict').count(), SYNCED).toBe(0)
      await expect.poll(() => pendingCount(b.page), SYNCED).toBe('0')
      await expect.poll(async () => (await serverTodos(listId)).map(todo => todo.text), SYNCED).toEqual([text])
      await expect.poll(() => todoTexts(b.page), SYNCED).toEqual([text])
      await clickSyncNow(a.page)
      await expect.poll(() => todoTexts(a.page), SYNCED).toEqual([text])
    }

    // Keep mine: B's text goes to the server over A's
    let conflict = await collide('Write report', 'Write the report (A)', 'Write report today (B)')
    if (SCREENSHOTS) await b.page.screenshot({ path: join(IMAGES, 'playground-conflict.png') })
    await conflict.getByRole('button', { name: 'Keep mine' }).click()
    await settled('Write report today (B)')

    // Keep theirs: B drops its change and shows A's; B sends nothing
    conflict = await collide('Write report today (B)', 'Report sent (A)', 'Report draft (B)')
    const [before] = await serverTodos(listId)
    await conflict.getByRole('button', { name: 'Keep theirs' }).click()
    await settled('Report sent (A)')
    expect((await serverTodos(listId))[0]!.version).toBe(before!.version)

    // Merge: B edits a text of both and sends it
    conflict = await collide('Report sent (A)', 'Report: intro (A)', 'Report: summary (B)')
    await conflict.getByRole('button', { name: 'Merge…' }).click()
    await conflict.getByLabel('Merged text').fill('Report: intro and summary')
    await conflict.getByRole('button', { name: 'Save merge' }).click()
    await settled('Report: intro and summary')

    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
    await a.context.close()
    await b.context.close()
  })

  it('two tabs of one profile write and sync: every operation reaches the server once, and each tab sees the other\'s rows', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } })
    const writes = recordWrites(context)
    // Table writes are held while `gate` is closed, and slowed down afterwards, so that the tabs' syncs overlap.
    let open!: () => void
    let gate: Promise<void> | undefined = new Promise<void>(resolve => open = resolve)
    let held = 0
    await context.route('**/tables/**', async (route) => {
      if (route.request().method() !== 'GET') {
        if (gate) {
          held++
          await gate
        }
        await new Promise(resolve => setTimeout(resolve, 150))
      }
      await route.fallback()
    })
    const errors: string[] = []
    const one = await openTab(context, errors)

    await addList(one, 'Home')
    const listId = selectedListId(one)!
    for (let i = 1; i <= 5; i++) await addTodo(one, `One ${i}`)
    // tab one starts pushing, and its push is held at the network...
    await clickSyncNow(one)
    await expect.poll(() => held, SYNCED).toBe(1)
    // ...while tab two opens and syncs on start: it has to wait for tab one (or, wrongly, sends the same operations)
    const two = await openPage(context, url('/'), errors, undefined, 'load')
    await expect.poll(async () => held > 1 || await waitingForLock(one), SYNCED).toBe(true)
    open()
    gate = undefined
    await expect.poll(() => two.getByTestId('sync-status').textContent(), SYNCED).toMatch(/^Synced at/)
    await selectList(two, 'Home')
    await expect.poll(() => todoTexts(two), SYNCED).toEqual(['One 1', 'One 2', 'One 3', 'One 4', 'One 5'])
    await expect.poll(() => pendingCount(two), SYNCED).toBe('0')
    expect(duplicates(writes)).toEqual([])

    // both write, then both sync at the same time, and write again while syncing
    for (let i = 1; i <= 5; i++) {
      await addTodo(two, `Two ${i}`)
      await addTodo(one, `One ${i + 5}`)
    }
    // nothing of it was sent yet: each tab sees the other's rows through IndexedDB
    const written = ['One 1', 'One 2', 'One 3', 'One 4', 'One 5', 'Two 1', 'One 6', 'Two 2', 'One 7', 'Two 3', 'One 8', 'Two 4', 'One 9', 'Two 5', 'One 10']
    await expect.poll(() => todoTexts(one), SYNCED).toEqual(written)
    await expect.poll(() => todoTexts(two), SYNCED).toEqual(written)
    await expect.poll(() => pendingCount(one), SYNCED).toBe('10')
    await expect.poll(() => pendingCount(two), SYNCED).toBe('10')
    await Promise.all([clickSyncNow(one), clickSyncNow(two)])
    await todoItem(one, 'Two 1').getByRole('checkbox').check()
    await todoItem(two, 'One 1').getByTitle('Delete').click()
    await addTodo(two, 'Two 6')
    await Promise.all([clickSyncNow(two), clickSyncNow(one)])

    const expected = ['One 2', 'One 3', 'One 4', 'One 5', 'Two 1', 'One 6', 'Two 2', 'One 7', 'Two 3', 'One 8', 'Two 4', 'One 9', 'Two 5', 'One 10', 'Two 6']
    // each tab sees every row, without a reload
    await expect.poll(() => todoTexts(one), SYNCED).toEqual(expected)
    await expect.poll(() => todoTexts(two), SYNCED).toEqual(expected)
    // until everything is on the server (a click may have come while the other tab held the sync)
    await expect.poll(async () => {
      if (await pendingCount(one) !== '0' && await one.getByTestId('sync-now').isEnabled()) await clickSyncNow(one)
      return pendingCount(one)
    }, { timeout: 30_000 }).toBe('0')
    await expect.poll(() => pendingCount(two), SYNCED).toBe('0')

    const server = await serverTodos(listId)
    expect(server.map(todo => todo.text).sort()).toEqual([...expected].sort())
    expect(server.find(todo => todo.text === 'Two 1')!.done).toBe(true)
    // exactly once: no operation sent twice, every row inserted once, the list too
    expect(duplicates(writes)).toEqual([])
    for (const todo of server) expect(writes.filter(write => write === `insert todos ${todo.id}`)).toHaveLength(1)
    expect(writes.filter(write => write.startsWith('insert lists '))).toEqual([`insert lists ${listId}`])
    expect(errors).toEqual([])
    await context.close()
  })
})
