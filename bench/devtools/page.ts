// What the DevTools benchmark runs inside the app page and the panel frame (passed to `evaluate`, so each function
// is self-contained: no imports, no closures over this module).

/** The part of the app's NuxtApp the benchmark reads and writes through (core/store.ts, devtools/bridge.ts). */
export interface BenchHost {
  $offlineSync: {
    store: { transaction(mode: 'readwrite', tables: string[], fn: (tx: { bulkPut(table: string, records: object[]): Promise<void> }) => Promise<void>): Promise<void> }
    operations(): Promise<{ seq: number }[]>
  }
  $offlineSyncDevtools: { snapshot(): Promise<{ operations: unknown[] }> }
}
export type HostWindow = Window & { __NUXT_DEVTOOLS_HOST__: { nuxt: BenchHost } }

/** Writes `total` todos and their insert operations in one transaction (as the DevTools browser test seeds). */
export async function seedQueue(total: number): Promise<number> {
  const client = (window as unknown as HostWindow).__NUXT_DEVTOOLS_HOST__.nuxt.$offlineSync
  const now = Date.now()
  const ids = Array.from({ length: total }, () => crypto.randomUUID())
  await client.store.transaction('readwrite', ['todos', '_operations'], async (tx) => {
    await tx.bulkPut('todos', ids.map((id, i) => ({ id, text: `seeded ${i}`, done: false, listId: 'seeded' })))
    await tx.bulkPut('_operations', ids.map(itemId => ({ table: 'todos', itemId, kind: 'insert', state: 'pending', attempts: 0, createdAt: now, updatedAt: now })))
  })
  return (await client.operations()).length
}

/** (a) One raw queue read and one bridge snapshot (in this order, or the other with `snapshotFirst`), in ms. */
export async function readTimes(snapshotFirst: boolean): Promise<{ operations: number, snapshot: number, rows: number }> {
  const nuxt = (window as unknown as HostWindow).__NUXT_DEVTOOLS_HOST__.nuxt
  const time = async <T>(read: () => Promise<T>) => {
    const start = performance.now()
    const value = await read()
    return { ms: performance.now() - start, value }
  }
  const raw = () => time(() => nuxt.$offlineSync.operations())
  const bridged = () => time(() => nuxt.$offlineSyncDevtools.snapshot())
  let snapshot, operations
  if (snapshotFirst) {
    snapshot = await bridged()
    operations = await raw()
  }
  else {
    operations = await raw()
    snapshot = await bridged()
  }
  if (snapshot.value.operations.length !== operations.value.length) throw new Error('the snapshot and the queue disagree')
  return { operations: operations.ms, snapshot: snapshot.ms, rows: operations.value.length }
}

/** (b) In the app page: queues one more insert, returns when the write started (epoch ms, sub-ms precision). */
export async function writeOne(): Promise<number> {
  const client = (window as unknown as HostWindow).__NUXT_DEVTOOLS_HOST__.nuxt.$offlineSync
  const id = crypto.randomUUID()
  const now = Date.now()
  const start = performance.timeOrigin + performance.now()
  await client.store.transaction('readwrite', ['todos', '_operations'], async (tx) => {
    await tx.bulkPut('todos', [{ id, text: 'bench', done: false, listId: 'seeded' }])
    await tx.bulkPut('_operations', [{ table: 'todos', itemId: id, kind: 'insert', state: 'pending', attempts: 0, createdAt: now, updatedAt: now }])
  })
  return start
}

/**
 * (b) In the panel frame: resolves when the nav's queue count shows `expected` (epoch ms), with the longest task
 * (PerformanceObserver 'longtask', 0 when none reached 50 ms) until 200 ms after. Stored on `window.__benchRefresh`.
 */
export function watchRefresh(expected: number): void {
  const read = () => Number(document.querySelector('[data-testid="nav-queue-count"]')?.textContent?.replace(/\D/g, ''))
  const tasks: number[] = []
  const tasksObserver = new PerformanceObserver(list => tasks.push(...list.getEntries().map(entry => entry.duration)))
  tasksObserver.observe({ type: 'longtask' })
  ;(window as unknown as { __benchRefresh: Promise<{ at: number, longest: number }> }).__benchRefresh = new Promise((resolve) => {
    const done = () => {
      const at = performance.timeOrigin + performance.now()
      mutations.disconnect()
      setTimeout(() => {
        tasksObserver.disconnect()
        resolve({ at, longest: Math.max(0, ...tasks) })
      }, 200)
    }
    const mutations = new MutationObserver(() => {
      if (read() === expected) done()
    })
    mutations.observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

/**
 * (c) In the panel frame, Queue view: scrolls the virtual list from top to bottom in `steps` steps, two frames each.
 * Longest step (scroll to painted), longest task, most rows in the DOM, and the last row's seq at the bottom.
 */
export async function scrollThrough(steps: number): Promise<{ longestStep: number, longestTask: number, maxRows: number, lastSeq: number }> {
  const scroller = document.querySelector<HTMLElement>('[data-testid="queue-scroller"]')!
  const frames = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))
  const rows = () => document.querySelectorAll('[data-testid="queue-row"]').length
  scroller.scrollTop = 0
  await frames()
  const tasks: number[] = []
  const observer = new PerformanceObserver(list => tasks.push(...list.getEntries().map(entry => entry.duration)))
  observer.observe({ type: 'longtask' })
  let longestStep = 0
  let maxRows = rows()
  for (let step = 1; step <= steps; step++) {
    const start = performance.now()
    scroller.scrollTop = (scroller.scrollHeight - scroller.clientHeight) * step / steps
    await frames()
    longestStep = Math.max(longestStep, performance.now() - start)
    maxRows = Math.max(maxRows, rows())
  }
  await new Promise(resolve => setTimeout(resolve, 200))
  observer.disconnect()
  const last = [...document.querySelectorAll('[data-testid="queue-row"]')].at(-1)
  return { longestStep, longestTask: Math.max(0, ...tasks), maxRows, lastSeq: Number(last?.getAttribute('data-seq')) }
}

/**
 * (c) baseline, in the panel frame: the same `total` rows (copies of a rendered queue row, same styles) put in the
 * DOM at once, without a virtual list; ms from building them to the next painted frame, and the longest task.
 */
export async function renderFlat(total: number): Promise<{ render: number, longestTask: number, rows: number }> {
  const row = document.querySelector('[data-testid="queue-row"]')!
  const tasks: number[] = []
  const observer = new PerformanceObserver(list => tasks.push(...list.getEntries().map(entry => entry.duration)))
  observer.observe({ type: 'longtask' })
  const start = performance.now()
  const box = document.createElement('div')
  box.style.cssText = 'position:fixed;inset:0;overflow:auto;background:white'
  box.innerHTML = row.outerHTML.repeat(total)
  document.body.append(box)
  box.lastElementChild!.getBoundingClientRect()
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))
  const render = performance.now() - start
  const rows = box.childElementCount
  box.remove()
  await new Promise(resolve => setTimeout(resolve, 200))
  observer.disconnect()
  return { render, longestTask: Math.max(0, ...tasks), rows }
}
