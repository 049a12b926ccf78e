import { fileURLToPath } from 'node:url'
import { $fetch, fetch, setup, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addList, addTodo, launchChromium, openPage, readIndexedDB } from './support/playground'

// One production build of the playground for the whole file; its table server keeps its data in memory.
// No sync interval: the app syncs on start and on reconnect only, so what reaches the server is what a test causes.
await setup({
  rootDir: fileURLToPath(new URL('../../playground', import.meta.url)),
  browser: false,
  server: true,
  env: { NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: 'memory://', NUXT_PUBLIC_OFFLINE_SYNC_SYNC_INTERVAL: '0' },
})

const API = { 'ZUMO-API-VERSION': '2.0.0' }

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

/**
 * A fresh browser profile (own IndexedDB) on the playground, hydrated and showing its data. Errors that `expected`
 * accepts are not collected.
 */
async function openApp(expected?: (text: string) => boolean): Promise<{ context: BrowserContext, page: Page, errors: string[] }> {
  const context = await browser.newContext()
  const errors: string[] = []
  const page = await openPage(context, url('/'), errors, expected)
  await page.getByText('No lists yet').waitFor()
  return { context, page, errors }
}

describe('playground in Chromium', () => {
  it('server-renders the shell without touching IndexedDB', async () => {
    const response = await fetch('/')
    expect(response.status).toBe(200)
    const html = await $fetch<string>('/')
    expect(html).toContain('Offline todos')
    // live queries are empty on the server: the page shows its loading state, the queue is empty
    expect(html).toContain('data-testid="loading"')
    expect(html).toMatch(/data-testid="pending-count"[^>]*>0</)
    expect(html).toMatch(/data-testid="online-state"[^>]*>[\s\S]*?Online/)
    expect(html).not.toMatch(/MissingAPIError|StorageError|OfflineSyncError|Internal Server Error|\bError:/)
    expect(html).not.toContain('nuxt-error')
  })

  it('keeps todos and the pending count written offline across a reload', async () => {
    // the table requests this test aborts, and Chromium's console line for each of them
    const { context, page, errors } = await openApp(text => text.includes('/tables/') || /net::ERR_INTERNET_DISCONNECTED/.test(text))
    await context.setOffline(true)
    await expect.poll(() => page.getByTestId('online-state').textContent()).toContain('Offline')

    await addList(page, 'Groceries')
    await addTodo(page, 'Milk')
    await addTodo(page, 'Bread')
    await page.getByTestId('todo').filter({ hasText: 'Milk' }).getByRole('checkbox').check()
    await page.getByTestId('todo').filter({ hasText: 'Bread' }).getByTestId('todo-text').dblclick()
    await page.getByLabel('Todo text').fill('Rye bread')
    await page.getByLabel('Todo text').press('Enter')
    // three inserts; the check and the edit collapse into them
    await expect.poll(() => page.getByTestId('pending-count').textContent()).toBe('3')

    // A page cannot be reloaded without a network (no service worker yet): the network comes back for the
    // document and its assets only; the table endpoints stay cut (before the network returns, which would push),
    // so whatever shows comes from IndexedDB.
    const tableRequests: string[] = []
    await context.route('**/tables/**', (route) => {
      tableRequests.push(route.request().url())
      return route.abort('internetdisconnected')
    })
    await context.setOffline(false)
    await page.reload()
    await page.getByRole('heading', { name: 'Groceries' }).waitFor()
    await expect.poll(() => page.getByTestId('todo-text').allTextContents()).toEqual(['Milk', 'Rye bread'])
    expect(await page.getByTestId('todo').filter({ hasText: 'Milk' }).getByRole('checkbox').isChecked()).toBe(true)
    await expect.poll(() => page.getByTestId('pending-count').textContent()).toBe('3')
    // the app tried to sync on reconnect and on start; none of it got through
    await expect.poll(() => tableRequests.length).toBeGreaterThan(0)
    expect(await $fetch('/tables/lists', { headers: API })).toEqual([])
    expect(await $fetch('/tables/todos', { headers: API })).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })

  it('writes a row and its queue entry to IndexedDB together', async () => {
    const { context, page, errors } = await openApp()
    await addList(page, 'Chores')
    await addTodo(page, 'Dishes')
    let db = await readIndexedDB(page, 'todos')
    expect(db.rows).toHaveLength(1)
    const todo = db.rows[0]!
    expect(todo).toMatchObject({ text: 'Dishes', done: false })
    expect(db.operations.filter(op => op.table === 'todos')).toEqual([
      expect.objectContaining({ table: 'todos', itemId: todo.id, kind: 'insert', state: 'pending' }),
    ])

    await page.getByTestId('todo').getByRole('checkbox').check()
    await expect.poll(async () => (await readIndexedDB(page, 'todos')).rows[0]?.done).toBe(true)
    db = await readIndexedDB(page, 'todos')
    expect(db.operations.filter(op => op.table === 'todos')).toHaveLength(1)

    await page.getByTestId('todo').getByTitle('Delete').click()
    await expect.poll(async () => (await readIndexedDB(page, 'todos')).rows).toEqual([])
    // the insert never left the browser: insert + delete leave nothing to send
    db = await readIndexedDB(page, 'todos')
    expect(db.operations.map(op => op.table)).toEqual(['lists'])
    await expect.poll(() => page.getByTestId('pending-count').textContent()).toBe('1')
    expect(errors).toEqual([])
    await context.close()
  })
})
