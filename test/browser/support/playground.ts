import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/** IndexedDB database of the playground (its `offlineSync.databaseName`). */
export const DATABASE = 'offline-sync-playground'

/** Debian's Chromium, headless, without the background traffic that would show up in request logs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/**
 * Collects what should never happen on a page: uncaught errors, failed requests and console errors (hydration
 * warnings too). `expected` leaves out what a test provokes on purpose (e.g. table requests it aborts).
 */
export function watchErrors(page: Page, errors: string[], expected?: (text: string) => boolean): void {
  const add = (text: string) => {
    if (!expected?.(text)) errors.push(text)
  }
  page.on('pageerror', error => add(error.message))
  page.on('requestfailed', request => add(`request failed: ${request.url()}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || /hydration/i.test(message.text())) add(`${message.text()} ${message.location().url}`)
  })
}

/**
 * A new page of `context` on the playground, loaded (not yet necessarily hydrated): until the network is idle, or
 * only until the `load` event where a test holds some of the page's requests.
 */
export async function openPage(context: BrowserContext, url: string, errors: string[], expected?: (text: string) => boolean, waitUntil: 'networkidle' | 'load' = 'networkidle'): Promise<Page> {
  const page = await context.newPage()
  watchErrors(page, errors, expected)
  await page.goto(url, { waitUntil })
  return page
}

export async function addList(page: Page, name: string): Promise<void> {
  const before = selectedListId(page)
  await page.getByTestId('new-list').fill(name)
  await page.getByTestId('new-list').press('Enter')
  await page.getByRole('heading', { name }).waitFor()
  // The page selects the new list through the router (`?list=<id>`), which lands after the heading can show it
  // (an only list is shown without being selected): wait for the URL too.
  await page.waitForURL((url) => {
    const id = url.searchParams.get('list')
    return id !== null && id !== before
  })
}

/** Shows the list named `name` (it must be in the sidebar). */
export async function selectList(page: Page, name: string): Promise<void> {
  await page.getByTestId('list').filter({ hasText: name }).locator('.list-name').click()
  await page.getByRole('heading', { name }).waitFor()
}

/** The id of the list the page shows (from its URL, once the page has selected one). */
export function selectedListId(page: Page): string | undefined {
  return new URL(page.url()).searchParams.get('list') ?? undefined
}

export async function addTodo(page: Page, text: string): Promise<void> {
  await page.getByTestId('new-todo').fill(text)
  await page.getByTestId('new-todo').press('Enter')
  await page.getByTestId('todo-text').filter({ hasText: text }).waitFor()
}

/** Edits a todo's text the way a user does: double-click, type, Enter. */
export async function editTodo(page: Page, from: string, to: string): Promise<void> {
  await page.getByTestId('todo-text').getByText(from, { exact: true }).dblclick()
  await page.getByLabel('Todo text').fill(to)
  await page.getByLabel('Todo text').press('Enter')
  await page.getByTestId('todo-text').getByText(to, { exact: true }).waitFor()
}

/** Rows of the user table and the queue, read from IndexedDB in one read transaction. */
export function readIndexedDB(page: Page, table: string) {
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
