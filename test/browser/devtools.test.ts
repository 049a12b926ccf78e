import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, FrameLocator, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVTOOLS_ROUTE, DEVTOOLS_TAB_ICON } from '../../src/runtime/devtools/contract'
import { devtoolsFrame, devtoolsNoise, ensurePanelBuilt, openDevtoolsOnLoad, panelFrame, TAB_ROUTE } from './support/devtools'
import { PLAYGROUND, startDev, writeLayer, type DevServer } from './support/nuxi'
import { BRIDGE_MARKERS } from './support/panel-markers'
import { addList, addTodo, launchChromium, openPage, selectedListId } from './support/playground'

// The playground in development (`nuxi dev`, a child process) with its table server on the embedded database in a
// fresh folder, the built panel served by the module, and the real Nuxt DevTools open on the "Offline Sync" tab.
// A layer moves the build folder out of the playground, lets DevTools run its commands without asking for a token
// (it would print one in the terminal) and stops Vite from watching files. No sync interval: the app syncs on start
// and on reconnect only.
const work = mkdtempSync(join(tmpdir(), 'offline-sync-devtools-'))
/** Set `UPDATE_SCREENSHOTS=1` to write the README's screenshots of the panel; otherwise they go to the temporary folder. */
const IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/images/', import.meta.url)) : work
const API = { 'ZUMO-API-VERSION': '2.0.0', 'Content-Type': 'application/json' }
/** A bound for a sync, a snapshot or a Vite transform on a busy machine, not a speed target. */
const SOON = { timeout: 30_000 }

interface ServerTodo { id: string, text: string, version: string, updatedAt: string }
/** The part of the app's sync client (`nuxtApp.$offlineSync`) the big queue is seeded through (core/store.ts). */
interface SeedClient {
  store: { transaction(mode: 'readwrite', tables: string[], fn: (tx: { bulkPut(table: string, records: object[]): Promise<void> }) => Promise<void>): Promise<void> }
  operations(): Promise<{ seq: number }[]>
}
/** The queue the virtual list is checked with. */
const BIG_QUEUE = 10_000

let dev: DevServer
let browser: Browser
let context: BrowserContext
let page: Page
let panel: FrameLocator
const errors: string[] = []
/** The scripts the app page loaded from the dev server (the app's own modules, DevTools' excluded). */
const scripts: Promise<string>[] = []
/** The answers to the tab icon's requests. */
const iconStatuses: number[] = []

beforeAll(async () => {
  await ensurePanelBuilt()
  const layer = writeLayer(work, {
    buildDir: join(work, '.nuxt'),
    devtools: { disableAuthorization: true },
    // this file edits no source; an edit elsewhere in the checkout while it runs must not reload the page (HMR)
    vite: { server: { watch: { ignored: ['**/*'] } } },
  })
  ;[dev, browser] = await Promise.all([
    startDev(PLAYGROUND, {
      extends: layer,
      env: { NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: join(work, 'data'), NUXT_PUBLIC_OFFLINE_SYNC_SYNC_INTERVAL: '0' },
    }),
    launchChromium(),
  ])
  context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
  // the first page load waits for Vite to transform the app (and to optimise its dependencies) on a busy machine
  context.setDefaultNavigationTimeout(150_000)
  await openDevtoolsOnLoad(context)
  context.on('response', (response) => {
    const url = response.url()
    if (url === `${dev.url}${DEVTOOLS_TAB_ICON}`) iconStatuses.push(response.status())
    if (response.request().resourceType() === 'script' && url.startsWith(dev.url) && !url.includes('/__nuxt_devtools__/')) {
      scripts.push(response.text().catch(() => ''))
    }
  })
  // The pushes this file refuses on purpose (400/409/412/503) and the table requests of an offline browser are logged by
  // Chromium as errors; so is Nuxt DevTools' client looking for icons on the internet.
  const expected = (text: string) => devtoolsNoise(text)
    || /status of (?:4(?:00|09|12)|503)\b.*\/tables\//.test(text) || (/\/tables\//.test(text) && /ERR_INTERNET_DISCONNECTED|request failed/.test(text))
  try {
    // until `load` only: DevTools' client keeps fetching for a while; the first test waits for the app's first sync
    page = await openPage(context, dev.url, errors, expected, 'load')
  }
  catch (error) {
    throw new Error(`${(error as Error).message}\n--- nuxi dev ---\n${dev.child.output().slice(-3000)}`, { cause: error })
  }
  panel = panelFrame(page)
}, 420_000)

afterAll(async () => {
  await browser?.close()
  await dev?.child.stop()
  rmSync(work, { recursive: true, force: true })
})

function serverTodos(): Promise<ServerTodo[]> {
  return fetch(`${dev.url}/tables/todos?$top=1000`, { headers: API }).then(response => response.json() as Promise<ServerTodo[]>)
}

/**
 * The playground's `editTodo` for a page whose lower part the docked DevTools covers (the offline banner can push a
 * todo under it): the double-click is dispatched on the todo itself rather than at a point of the screen the dock
 * may be over; typing goes to the focused input wherever it is.
 */
async function editTodoUnderDock(page: Page, from: string, to: string): Promise<void> {
  await page.getByTestId('todo-text').getByText(from, { exact: true }).dispatchEvent('dblclick')
  await page.getByLabel('Todo text').fill(to)
  await page.getByLabel('Todo text').press('Enter')
  await page.getByTestId('todo-text').getByText(to, { exact: true }).waitFor()
}

async function view(name: 'queue' | 'conflicts' | 'tables' | 'status') {
  await panel.getByTestId(`nav-${name}`).click()
  await panel.getByTestId(`view-${name}`).waitFor()
}

/**
 * The DevTools frame as it shows now (its sidebar and the panel) for the README, without its bottom edge, where
 * DevTools' floating button overlaps it.
 */
async function screenshot(name: string) {
  const box = (await devtoolsFrame(page).boundingBox())!
  await page.screenshot({ path: join(IMAGES, `devtools-${name}.png`), clip: { ...box, height: box.height - 16 } })
}

function queueRows() {
  return panel.getByTestId('queue-row')
}

describe('the Offline Sync tab of Nuxt DevTools, on the playground in development', () => {
  it('opens in DevTools, connected to the app, and the app runs the development-only bridge', async () => {
    // the first sync also waits for the embedded database to open in its new folder
    await expect.poll(() => page.getByTestId('sync-status').textContent(), { timeout: 120_000 }).toMatch(/^Synced at/)
    const tab = page.frames().find(frame => frame.url().includes('/__nuxt_devtools__/client'))
    expect(new URL(tab!.url()).pathname).toMatch(new RegExp(`${TAB_ROUTE}$`))
    await expect.poll(() => panel.getByTestId('panel').getAttribute('data-connection'), SOON).toBe('connected')
    // the tab's icon is the panel's own image (no icon set from the internet): DevTools' side nav shows it loaded,
    // among its "More tabs" here (the window is too short for every tab)
    const devtools = devtoolsFrame(page).contentFrame()
    const more = devtools.locator('button:has([class~="carbon:overflow-menu-vertical"])')
    await more.click()
    const icon = devtools.locator(`img[src="${DEVTOOLS_TAB_ICON}"]`).first()
    await expect.poll(() => icon.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), SOON).toBe(true)
    expect(iconStatuses).toContain(200)
    await more.click()
    expect(page.frames().some(frame => new URL(frame.url()).pathname === `${DEVTOOLS_ROUTE}/`)).toBe(true)
    await view('status')
    await expect.poll(() => panel.getByTestId('status-online').textContent(), SOON).toContain('Online')
    // the development app loads the code a production build must not contain (devtools-production.test.ts)
    const loaded = (await Promise.all(scripts)).join('\n')
    for (const marker of BRIDGE_MARKERS) expect(loaded, marker).toContain(marker)
  })

  it('says "Open the app" on the panel\'s route when no app page is connected', async () => {
    const alone = await context.newPage()
    try {
      await alone.goto(`${dev.url}${DEVTOOLS_ROUTE}/`, { waitUntil: 'load' })
      const state = alone.getByTestId('empty-state')
      await expect.poll(() => state.getAttribute('data-state'), SOON).toBe('no-app')
      expect(await alone.getByTestId('empty-state-title').textContent()).toContain('Open the app')
      expect(await alone.getByTestId('panel').getAttribute('data-connection')).toBe('no-app')
    }
    finally {
      await alone.close()
    }
  })

  it('lists what the app writes offline in the Queue, in order, and opens an operation\'s details', async () => {
    await view('queue')
    await expect.poll(() => queueRows().count(), SOON).toBe(0)
    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    await addList(page, 'Groceries')
    await addTodo(page, 'Buy milk')
    await addTodo(page, 'Bake bread')
    await expect.poll(() => queueRows().count(), SOON).toBe(3)
    const rows = await queueRows().evaluateAll(elements => elements.map(row => [...row.querySelectorAll(':scope > span')].slice(1, 3).map(cell => cell.textContent!.trim())))
    expect(rows).toEqual([['lists', 'insert'], ['todos', 'insert'], ['todos', 'insert']])
    expect(await queueRows().nth(0).textContent()).toContain(selectedListId(page)!)
    // a row opens the operation's details; an insert carries no payload: the pane shows the app's row push will send
    const itemId = await queueRows().nth(1).locator('.mono').getAttribute('title')
    await queueRows().nth(1).click()
    await expect.poll(() => panel.getByTestId('queue-operation').textContent(), SOON).toContain(itemId!)
    const payload = panel.locator('[data-testid="queue-payload"][data-payload="will-send"]')
    await expect.poll(async () => JSON.parse(await payload.textContent() ?? '{}'), SOON).toMatchObject({ id: itemId, text: 'Buy milk' })
    await screenshot('queue')

    await view('status')
    await expect.poll(() => panel.getByTestId('status-online').textContent(), SOON).toContain('Offline')
    expect(await panel.getByTestId('header-online').textContent()).toContain('Offline')

    // back online, the app pushes by itself: the queue empties
    await context.setOffline(false)
    await expect.poll(() => panel.getByTestId('status-online').textContent(), SOON).toContain('Online')
    await view('queue')
    await expect.poll(() => queueRows().count(), SOON).toBe(0)
    await expect.poll(async () => (await serverTodos()).map(todo => todo.text).sort(), SOON).toEqual(['Bake bread', 'Buy milk'])
  })

  it('shows a conflict with both sides, and Keep theirs from the panel changes the app\'s data', async () => {
    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    await editTodoUnderDock(page, 'Buy milk', 'Buy oat milk')
    await expect.poll(() => queueRows().count(), SOON).toBe(1)
    expect(await queueRows().first().textContent()).toContain('update')

    // meanwhile another device changes the same todo on the server
    const milk = (await serverTodos()).find(todo => todo.text === 'Buy milk')!
    const patched = await fetch(`${dev.url}/tables/todos/${milk.id}`, { method: 'PATCH', headers: API, body: JSON.stringify({ text: 'Buy goat milk' }) })
    expect(patched.status).toBe(200)

    // back online, the app pushes; the server refuses the stale update
    await context.setOffline(false)
    await expect.poll(() => panel.getByTestId('nav-conflicts-count').textContent(), SOON).toBe('1')
    await view('conflicts')
    const conflict = panel.getByTestId('conflict')
    await conflict.waitFor()
    const text = conflict.locator('[data-testid="conflict-field"][data-field="text"]')
    expect(await text.getAttribute('data-differs')).toBe('true')
    expect(await text.getByTestId('conflict-mine').textContent()).toContain('Buy oat milk')
    expect(await text.getByTestId('conflict-theirs').textContent()).toContain('Buy goat milk')
    expect(await conflict.locator('[data-testid="conflict-field"][data-field="done"]').getAttribute('data-differs')).toBe('false')
    // the app shows mine until the conflict is resolved
    expect(await page.getByTestId('todo-text').allTextContents()).toContain('Buy oat milk')
    await screenshot('conflicts')

    await conflict.getByTestId('conflict-keep-theirs').click()
    await expect.poll(() => page.getByTestId('todo-text').allTextContents(), SOON).toEqual(['Buy goat milk', 'Bake bread'])
    await panel.getByTestId('conflicts-empty').waitFor()
    await expect.poll(() => page.getByTestId('pending-count').textContent(), SOON).toBe('0')
    // theirs stays on the server as it was
    expect((await serverTodos()).find(todo => todo.id === milk.id)!.text).toBe('Buy goat milk')
  })

  it('shows rows and pending operations per table, and each named query\'s watermark after a pull from the panel', async () => {
    await view('tables')
    const todos = panel.locator('[data-testid="table-row"][data-table="todos"]')
    const lists = panel.locator('[data-testid="table-row"][data-table="lists"]')
    await expect.poll(() => todos.getByTestId('table-rows').textContent(), SOON).toMatch(/^\s*2\s*$/)
    expect(await lists.getByTestId('table-rows').textContent()).toMatch(/^\s*1\s*$/)
    expect(await todos.getByTestId('table-pending').textContent()).toMatch(/^\s*0\s*$/)

    const query = panel.locator('[data-testid="query-row"][data-query="todos"]')
    await query.getByTestId('query-pull').click()
    const newest = (await serverTodos()).map(todo => todo.updatedAt).sort().at(-1)!
    await expect.poll(() => query.getByTestId('query-watermark').textContent(), SOON).toContain(newest)
    expect(await query.getByTestId('query-last-pull').textContent()).not.toContain('—')
    expect(await panel.locator('[data-testid="query-row"][data-query="lists"]').getByTestId('query-watermark').textContent()).toMatch(/\d{4}-\d\d-\d\dT/)
    await screenshot('tables')

    await view('status')
    expect(await panel.getByTestId('status-online').textContent()).toContain('Online')
    await expect.poll(() => panel.getByTestId('status-last-push').textContent(), SOON).toContain('pushed')
    // the origin's storage as Chromium reports it to the app (navigator.storage)
    const storage = panel.getByTestId('status-storage')
    await expect.poll(async () => Number(await storage.getAttribute('data-usage')), SOON).toBeGreaterThan(0)
    expect(Number(await storage.getAttribute('data-quota'))).toBeGreaterThan(Number(await storage.getAttribute('data-usage')))
    expect(await storage.getAttribute('data-persisted')).toMatch(/^(?:true|false)$/)
    expect(await panel.getByTestId('status-storage-used').textContent()).toMatch(/^\s*[\d.]+ [kMGT]?B of [\d.]+ [kMGT]?B\s*$/)
    await screenshot('status')
    expect(errors).toEqual([])
  })
})

describe('the panel\'s actions, on the playground in development', () => {
  it('discards an operation after the inline confirm: the app\'s row of a discarded insert goes', async () => {
    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    await addTodo(page, 'Never mind')
    await view('queue')
    await expect.poll(() => queueRows().count(), SOON).toBe(1)
    await queueRows().first().click()
    await panel.getByTestId('queue-discard').click()
    // the first click only asks
    await panel.getByTestId('queue-discard-ask').waitFor()
    expect(await queueRows().count()).toBe(1)
    await panel.getByTestId('queue-discard-confirm').click()
    await expect.poll(() => queueRows().count(), SOON).toBe(0)
    await expect.poll(() => page.getByTestId('todo-text').allTextContents(), SOON).toEqual(['Buy goat milk', 'Bake bread'])
    await context.setOffline(false)
    await page.getByTestId('offline-banner').waitFor({ state: 'detached' })
  })

  it('shows an operation the server refused (400) as failed with its error, and Retry then Push now sends it', async () => {
    // the server refuses this todo's insert (as it would an invalid row) until the route is removed: the push's
    // batch (`POST /tables/$batch`, one operation here) is answered with a 400 result for it
    const batch = (url: URL) => url.pathname === '/tables/$batch'
    const refuse = (route: Route) => route.request().postData()?.includes('Refused at first')
      ? route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ results: [{ status: 400, error: 'text is not allowed' }] }) })
      : route.fallback()
    await page.route(batch, refuse)
    await addTodo(page, 'Refused at first')
    await view('queue')
    await expect.poll(() => queueRows().count(), SOON).toBe(1)
    await panel.getByTestId('queue-push').click()
    await expect.poll(() => queueRows().first().getAttribute('data-state'), SOON).toBe('failed')
    await queueRows().first().click()
    expect(await panel.getByTestId('queue-detail-error').textContent()).toContain('400: text is not allowed')
    expect(await panel.getByTestId('queue-detail-state').textContent()).toBe('failed')

    await page.unroute(batch, refuse)
    await panel.getByTestId('queue-retry').click()
    await expect.poll(() => panel.getByTestId('queue-detail-state').textContent(), SOON).toBe('pending')
    await panel.getByTestId('queue-push').click()
    await expect.poll(() => queueRows().count(), SOON).toBe(0)
    await expect.poll(async () => (await serverTodos()).map(todo => todo.text), SOON).toContain('Refused at first')
  })

  it('edits a merge of a conflict: the app shows the merged text, and the server gets it', async () => {
    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    await editTodoUnderDock(page, 'Bake bread', 'Bake rye bread')
    const bread = (await serverTodos()).find(todo => todo.text === 'Bake bread')!
    await fetch(`${dev.url}/tables/todos/${bread.id}`, { method: 'PATCH', headers: API, body: JSON.stringify({ text: 'Bake wheat bread' }) })
    await context.setOffline(false)
    await expect.poll(() => panel.getByTestId('nav-conflicts-count').textContent(), SOON).toBe('1')
    await view('conflicts')
    const conflict = panel.getByTestId('conflict')
    await conflict.getByTestId('conflict-merge').click()
    const editor = conflict.getByTestId('merge-text')
    const draft = JSON.parse(await editor.inputValue()) as Record<string, unknown>
    // mine on top of the server's fields
    expect(draft).toMatchObject({ id: bread.id, text: 'Bake rye bread' })
    await editor.fill(JSON.stringify({ ...draft, text: 'Bake rye and wheat bread' }, null, 2))
    await conflict.getByTestId('merge-save').click()
    await expect.poll(() => page.getByTestId('todo-text').allTextContents(), SOON).toContain('Bake rye and wheat bread')
    await panel.getByTestId('conflicts-empty').waitFor()
    // the merge is an update queued over the server's version: Push now sends it
    await view('queue')
    await expect.poll(() => queueRows().count(), SOON).toBe(1)
    await panel.getByTestId('queue-push').click()
    await expect.poll(async () => (await serverTodos()).find(todo => todo.id === bread.id)?.text, SOON).toBe('Bake rye and wheat bread')
  })

  it('shows in Status a stopped push\'s error, then the retry in progress with its progress bar and the lock this tab holds', async () => {
    // the first push answers 503 (the push stops; a retry follows after a backoff); the retry's request waits
    // until the test lets it through, so that the panel can be seen while it runs
    let release!: () => void
    const held = new Promise<void>(resolve => release = resolve)
    let writes = 0
    const writesToTables = (url: URL) => url.pathname.startsWith('/tables/')
    const stopThenHold = async (route: Route) => {
      if (route.request().method() === 'GET') return route.fallback()
      if (++writes === 1) return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'maintenance' }) })
      await held
      return route.fallback()
    }
    await page.route(writesToTables, stopThenHold)
    try {
      await addTodo(page, 'Sent after a 503')
      await view('queue')
      await expect.poll(() => queueRows().count(), SOON).toBe(1)
      await panel.getByTestId('queue-push').click()

      await view('status')
      await expect.poll(() => panel.getByTestId('status-last-error').textContent(), SOON).toContain('503')
      await expect.poll(() => panel.getByTestId('status-last-push').textContent(), SOON).toContain('stopped')
      // the retry runs: this tab holds the push lock, the bar shows 0 of 1 operation
      await expect.poll(() => panel.getByTestId('status-activity').getAttribute('data-kind'), SOON).toBe('push')
      expect(await panel.getByTestId('status-progress').getAttribute('aria-valuenow')).toBe('0')
      expect(await panel.getByTestId('status-activity-detail').textContent()).toContain('0 of 1 operation')
      expect(await panel.getByTestId('header-activity').textContent()).toContain('Pushing 0%')
      await expect.poll(() => panel.getByTestId('status-lock').getAttribute('data-lock'), SOON).toBe('this-tab')
      expect(await panel.getByTestId('status-lock').textContent()).toContain('This tab')
    }
    finally {
      release()
    }
    await expect.poll(() => panel.getByTestId('status-activity').getAttribute('data-kind'), SOON).toBe('idle')
    await expect.poll(() => panel.getByTestId('status-last-push').textContent(), SOON).toContain('1 pushed')
    expect(await panel.getByTestId('status-last-error').textContent()).toContain('None')
    await expect.poll(() => panel.getByTestId('status-lock').getAttribute('data-lock'), SOON).toBe('free')
    expect(await panel.getByTestId('status-progress').getAttribute('aria-valuenow')).toBeNull()
    await page.unroute(writesToTables, stopThenHold)
    expect(writes).toBeGreaterThanOrEqual(2)
    expect((await serverTodos()).map(todo => todo.text)).toContain('Sent after a 503')
  })

  it('names a refused action in words; Purge empties a table and Pull now brings its rows back', async () => {
    await view('tables')
    const todos = panel.locator('[data-testid="table-row"][data-table="todos"]')
    const query = panel.locator('[data-testid="query-row"][data-query="todos"]')
    // offline, a pull is refused: the panel says which action failed and why
    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    await query.getByTestId('query-pull').click()
    const refused = panel.getByTestId('action-error')
    await refused.waitFor()
    expect(await refused.getAttribute('data-action')).toBe('pull:todos')
    expect(await refused.textContent()).toMatch(/Pull of todos failed: .*Offline/i)
    await panel.getByTestId('action-error-dismiss').click()
    await refused.waitFor({ state: 'detached' })
    await context.setOffline(false)
    await page.getByTestId('offline-banner').waitFor({ state: 'detached' })

    const local = Number((await todos.getByTestId('table-rows').textContent())!.replace(/\D/g, ''))
    expect(local).toBeGreaterThan(0)
    expect(await todos.getByTestId('table-pending').textContent()).toMatch(/^\s*0\s*$/)
    await todos.getByTestId('table-purge').click()
    await expect.poll(() => todos.getByTestId('table-rows').textContent(), SOON).toMatch(/^\s*0\s*$/)
    // the table's watermarks are reset, and the app's list shows no todo
    await expect.poll(() => query.getByTestId('query-watermark').textContent(), SOON).toContain('not pulled yet')
    await expect.poll(() => page.getByTestId('todo-text').count(), SOON).toBe(0)

    await query.getByTestId('query-pull').click()
    await expect.poll(() => todos.getByTestId('table-rows').textContent(), SOON).toMatch(new RegExp(`^\\s*${local}\\s*$`))
    expect(await query.getByTestId('query-rows').textContent()).toMatch(new RegExp(`^\\s*${local}\\s*$`))
    await expect.poll(() => page.getByTestId('todo-text').allTextContents(), SOON).toContain('Sent after a 503')
  })

  it('keeps a 10,000-operation queue in a virtual list, and a force purge after its confirm drops it all', async () => {
    await context.setOffline(true)
    await page.getByTestId('offline-banner').waitFor()
    // seeded through the app's own local store, in one write transaction: the rows and the insert operations the
    // app's todos table would have queued (one insert at a time would take minutes, every write refreshing the app)
    const seeded = await page.evaluate(async (total) => {
      const host = (window as unknown as { __NUXT_DEVTOOLS_HOST__: { nuxt: { $offlineSync: SeedClient } } }).__NUXT_DEVTOOLS_HOST__
      const client = host.nuxt.$offlineSync
      const now = Date.now()
      const ids = Array.from({ length: total }, () => crypto.randomUUID())
      await client.store.transaction('readwrite', ['todos', '_operations'], async (tx) => {
        await tx.bulkPut('todos', ids.map((id, i) => ({ id, text: `seeded ${i}`, done: false, listId: 'seeded' })))
        await tx.bulkPut('_operations', ids.map(itemId => ({ table: 'todos', itemId, kind: 'insert', state: 'pending', attempts: 0, createdAt: now, updatedAt: now })))
      })
      const operations = await client.operations()
      return { count: operations.length, lastSeq: operations.at(-1)!.seq }
    }, BIG_QUEUE)
    expect(seeded.count).toBe(BIG_QUEUE)

    await view('queue')
    await expect.poll(() => panel.getByTestId('queue-count').getAttribute('data-count'), SOON).toBe(String(BIG_QUEUE))
    expect(await panel.getByTestId('queue-list').getAttribute('aria-rowcount')).toBe(String(BIG_QUEUE + 1))
    // only the rows in view (and a few around them) are in the DOM
    await expect.poll(() => queueRows().count(), SOON).toBeGreaterThan(0)
    expect(await queueRows().count()).toBeLessThanOrEqual(50)
    await panel.getByTestId('queue-scroller').evaluate((scroller) => {
      scroller.scrollTop = scroller.scrollHeight
    })
    await expect.poll(() => queueRows().last().getAttribute('data-seq'), SOON).toBe(String(seeded.lastSeq))
    expect(await queueRows().count()).toBeLessThanOrEqual(50)

    await view('tables')
    const todos = panel.locator('[data-testid="table-row"][data-table="todos"]')
    await expect.poll(() => todos.getByTestId('table-pending').textContent(), SOON).toMatch(/10,000/)
    await todos.getByTestId('table-force-purge').click()
    await todos.getByTestId('table-force-purge-ask').waitFor()
    expect(await todos.getByTestId('table-pending').textContent()).toMatch(/10,000/)
    await todos.getByTestId('table-force-purge-confirm').click()
    await expect.poll(() => todos.getByTestId('table-rows').textContent(), SOON).toMatch(/^\s*0\s*$/)
    expect(await todos.getByTestId('table-pending').textContent()).toMatch(/^\s*0\s*$/)
    await expect.poll(() => page.getByTestId('pending-count').textContent(), SOON).toBe('0')
    expect(await page.getByTestId('todo-text').count()).toBe(0)
    await context.setOffline(false)
    expect(errors).toEqual([])
  })
})
