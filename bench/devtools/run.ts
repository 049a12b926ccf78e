// DevTools benchmark (issue 4): `npm run bench:devtools` or `npx jiti bench/devtools/run.ts [--runs=5] [--ops=10000]`.
// Starts the playground in development (`nuxi dev`, embedded database in a temp dir) with the real Nuxt DevTools open
// on the "Offline Sync" tab, as test/browser/devtools.test.ts does (its helpers), goes offline and seeds `ops` queued
// inserts through the app's local store. Then, one warm-up and `runs` runs, each against a baseline of the same run:
// (a) the bridge's snapshot() in the app page vs the raw queue read (`$offlineSync.operations()`), in turn first;
// (b) a write in the app until the panel's queue count shows it, and the panel's longest task meanwhile, with the panel
//     on the Queue view vs on Status (no list); (c) scrolling the virtual list top to bottom in 40 steps vs the same rows
//     rendered at once without a virtual list. Writes bench/results/devtools-latest.{json,md}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Frame, Page } from 'playwright-core'
import { DEVTOOLS_ROUTE } from '../../src/runtime/devtools/contract'
import { ensurePanelBuilt, openDevtoolsOnLoad, panelFrame } from '../../test/browser/support/devtools'
import { PLAYGROUND, startDev, writeLayer, type DevServer } from '../../test/browser/support/nuxi'
import { launchChromium } from '../../test/browser/support/playground'
import { countOption } from '../options'
import { markdown, summarize, type Summary, type TableRow } from '../sync/stats'
import { readTimes, renderFlat, scrollThrough, seedQueue, watchRefresh, writeOne, type HostWindow } from './page'

const RUNS = countOption('runs', 5)
const OPS = countOption('ops', 10_000)
const STEPS = 40
const RESULTS = fileURLToPath(new URL('../results/', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'offline-sync-bench-devtools-'))
const loads: number[] = [loadavg()[0]!]
let dev: DevServer | undefined
let browser: Browser | undefined

async function cleanup() {
  await browser?.close().catch(() => {})
  await dev?.child.stop()
  rmSync(work, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)))

/** The panel's frame (its route inside the DevTools frame) as a Frame to evaluate in. */
function panel(page: Page): Frame {
  const frame = page.frames().find(frame => new URL(frame.url()).pathname.startsWith(`${DEVTOOLS_ROUTE}/`))
  if (!frame) throw new Error('the panel frame is not open')
  return frame
}

async function view(page: Page, name: 'queue' | 'status') {
  await panelFrame(page).getByTestId(`nav-${name}`).click()
  await panelFrame(page).getByTestId(`view-${name}`).waitFor()
}

async function queueCount(page: Page): Promise<number> {
  return Number((await panelFrame(page).getByTestId('nav-queue-count').textContent())!.replace(/\D/g, ''))
}

/** (b) ms from a write in the app to the panel's count showing it, and the panel's longest task meanwhile. */
async function refresh(page: Page): Promise<{ ms: number, longest: number }> {
  const expected = await queueCount(page) + 1
  await panel(page).evaluate(watchRefresh, expected)
  const start = await page.evaluate(writeOne)
  const { at, longest } = await panel(page).evaluate(() => (window as unknown as { __benchRefresh: Promise<{ at: number, longest: number }> }).__benchRefresh)
  return { ms: at - start, longest }
}

const ratios = (values: number[], baselines: number[]): Summary | undefined =>
  baselines.every(value => value > 0) ? summarize(values.map((value, i) => value / baselines[i]!)) : undefined

function row(measure: string, unit: string, values: number[], baseline?: { name: string, values: number[] }): TableRow {
  return {
    measure, unit, value: summarize(values),
    ...(baseline && { baseline: { name: baseline.name, value: summarize(baseline.values) }, ratio: ratios(values, baseline.values) }),
  }
}

async function main() {
  await ensurePanelBuilt()
  const layer = writeLayer(work, { buildDir: join(work, '.nuxt'), devtools: { disableAuthorization: true }, vite: { server: { watch: { ignored: ['**/*'] } } } })
  ;[dev, browser] = await Promise.all([
    startDev(PLAYGROUND, { extends: layer, env: { NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: join(work, 'data'), NUXT_PUBLIC_OFFLINE_SYNC_SYNC_INTERVAL: '0' } }),
    launchChromium(),
  ])
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
  context.setDefaultNavigationTimeout(150_000)
  context.setDefaultTimeout(60_000)
  await openDevtoolsOnLoad(context)
  const page = await context.newPage()
  await page.goto(dev.url, { waitUntil: 'load' })
  await page.getByTestId('sync-status').filter({ hasText: /^Synced at/ }).waitFor({ timeout: 120_000 })
  await panelFrame(page).locator('[data-testid="panel"][data-connection="connected"]').waitFor()
  await context.setOffline(true)
  await page.getByTestId('offline-banner').waitFor()
  const seeded = await page.evaluate(seedQueue, OPS)
  if (seeded !== OPS) throw new Error(`seeded ${seeded} operations, not ${OPS}`)
  await view(page, 'queue')
  await panelFrame(page).locator(`[data-testid="queue-count"][data-count="${OPS}"]`).waitFor()

  const m = { operations: [] as number[], snapshot: [] as number[], queueMs: [] as number[], queueTask: [] as number[], statusMs: [] as number[],
    statusTask: [] as number[], scrollStep: [] as number[], scrollTask: [] as number[], rows: [] as number[], flat: [] as number[], flatTask: [] as number[] }
  let flatRows = 0
  for (let run = 0; run <= RUNS; run++) {
    const keep = run > 0
    const read = await page.evaluate(readTimes, run % 2 === 1)
    await view(page, 'status')
    const status = await refresh(page)
    await view(page, 'queue')
    const queue = await refresh(page)
    const scroll = await panel(page).evaluate(scrollThrough, STEPS)
    const last = await page.evaluate(() => (window as unknown as HostWindow).__NUXT_DEVTOOLS_HOST__.nuxt.$offlineSync.operations().then(ops => ops.at(-1)!.seq))
    if (scroll.lastSeq !== last) throw new Error(`the list's last row is ${scroll.lastSeq}, the queue's ${last}`)
    const flat = await panel(page).evaluate(renderFlat, read.rows)
    flatRows = flat.rows
    loads.push(loadavg()[0]!)
    console.log(`${keep ? `run ${run}` : 'warm-up'}: snapshot ${read.snapshot.toFixed(1)} ms (raw ${read.operations.toFixed(1)}), refresh queue ${queue.ms.toFixed(0)} ms / status ${status.ms.toFixed(0)} ms, scroll step ≤ ${scroll.longestStep.toFixed(0)} ms, ${scroll.maxRows} rows, flat ${flat.render.toFixed(0)} ms`)
    if (!keep) continue
    const values = { operations: read.operations, snapshot: read.snapshot, queueMs: queue.ms, queueTask: queue.longest, statusMs: status.ms,
      statusTask: status.longest, scrollStep: scroll.longestStep, scrollTask: scroll.longestTask, rows: scroll.maxRows, flat: flat.render, flatTask: flat.longestTask }
    for (const [key, value] of Object.entries(values)) m[key as keyof typeof m].push(value)
  }

  const table = [
    row(`(a) bridge snapshot(), ${OPS.toLocaleString('en-US')} ops queued`, 'ms', m.snapshot, { name: 'raw queue read operations()', values: m.operations }),
    row('(b) write → panel count updated, Queue view', 'ms', m.queueMs, { name: 'same write, Status view', values: m.statusMs }),
    row('(b) longest panel task during it, Queue view (0: none ≥ 50 ms)', 'ms', m.queueTask, { name: 'same, Status view', values: m.statusTask }),
    row(`(c) longest scroll step (scroll → 2 frames), ${STEPS} steps top → bottom`, 'ms', m.scrollStep, { name: `${flatRows.toLocaleString('en-US')} rows rendered at once, no virtual list`, values: m.flat }),
    row('(c) longest task while scrolling (0: none ≥ 50 ms)', 'ms', m.scrollTask, { name: 'same, rendering at once', values: m.flatTask }),
    row('(c) most queue rows in the DOM while scrolling', 'rows', m.rows, { name: 'rows rendered without a virtual list', values: m.rows.map(() => flatRows) }),
  ]
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, loadAverage: summarize(loads), node: process.version, chromium: browser.version() }
  const text = `${markdown(table)}\n\n${RUNS} runs after 1 warm-up, ${new Date().toISOString()}; machine: ${machine.cpus} CPUs (${machine.cpu}), load average (1 min) ${machine.loadAverage.min.toFixed(2)}–${machine.loadAverage.max.toFixed(2)}, Node ${machine.node}, Chromium ${machine.chromium}. Ratio: value / baseline per run (same page, same run).\n`
  console.log(`\n${text}`)
  writeFileSync(join(RESULTS, 'devtools-latest.json'), `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, ops: OPS, steps: STEPS, machine, table, raw: m }, null, 2)}\n`)
  writeFileSync(join(RESULTS, 'devtools-latest.md'), `# DevTools panel benchmark\n\n${text}`)
}

const started = Date.now()
main().then(
  async () => {
    await cleanup()
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  },
  async (error) => {
    console.error(error)
    if (dev) console.error(dev.child.output().slice(-3000))
    await cleanup()
    process.exit(1)
  },
)
