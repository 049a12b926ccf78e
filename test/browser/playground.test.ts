import { fileURLToPath } from 'node:url'
import { $fetch, fetch, setup, url } from '@nuxt/test-utils/e2e'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// One production build of the playground for the whole file; its table server keeps its data in memory.
await setup({
  rootDir: fileURLToPath(new URL('../../playground', import.meta.url)),
  browser: false,
  server: true,
  env: { NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: 'memory://' },
})

const DATABASE = 'offline-sync-playground'

let browser: Browser
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})
afterAll(() => browser?.close())

/** A fresh browser profile (own IndexedDB) on the playground, hydrated and showing its data. */
async function openApp(): Promise<{ context: BrowserContext, page: Page, errors: string[] }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))
  page.on('requestfailed', request => errors.push(`request failed: ${request.url()}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || /hydration/i.test(message.text())) errors.push(`${message.text()} ${message.location().url}`)
  })
  await page.goto(url('/'), { waitUntil: 'networkidle' })
  await page.getByText('No lists yet').waitFor()
  return { context, page, errors }
}

async function addList(page: Page, name: string) {
  await page.getByTestId('new-list').fill(name)
  await page.getByTestId('new-list').press('Enter')
  await page.getByRole('heading', { name }).waitFor()
}

async function addTodo(page: Page, text: string) {
  await page.getByTestId('new-todo').fill(text)
  await page.getByTestId('new-todo').press('Enter')
  await page.getByTestId('todo-text').filter({ hasText: text }).waitFor()
}

/** Rows of the user table and the queue, read from IndexedDB in one read transaction. */
function readIndexedDB(page: Page, table: string) {
  return page.evaluate(([name, table]) => new Promise<{ rows: Record<string, unknown>[], operations: Record<string, unknown>[] }>((resolve, reject) => {
    const request = indexedDB.open(name!)
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const db = request.result
      const tx = db.transaction([table!, '_operations'], 'readonly')
      const rows = tx.objectStore(table!).getAll()
      const operations = tx.objectStore('_operations').getAll()
      tx.oncomplete = () => {
        db.close()
        resolve({ rows: rows.result, operations: operations.result })
      }
      tx.onerror = () => reject(tx.error)
    }
  }), [DATABASE, table])
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
    const { context, page, errors } = await openApp()
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
    // document and its assets only; the table endpoints stay cut, so whatever shows comes from IndexedDB.
    await context.setOffline(false)
    const tableRequests: string[] = []
    await context.route('**/tables/**', (route) => {
      tableRequests.push(route.request().url())
      return route.abort('internetdisconnected')
    })
    await page.reload()
    await page.getByRole('heading', { name: 'Groceries' }).waitFor()
    await expect.poll(() => page.getByTestId('todo-text').allTextContents()).toEqual(['Milk', 'Rye bread'])
    expect(await page.getByTestId('todo').filter({ hasText: 'Milk' }).getByRole('checkbox').isChecked()).toBe(true)
    await expect.poll(() => page.getByTestId('pending-count').textContent()).toBe('3')
    expect(tableRequests).toEqual([])
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
