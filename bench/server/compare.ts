// Requests per second of our table server (embedded PGlite, PostgreSQL) against the stock azure-mobile-apps v4
// server (sqlite provider), same machine, same load, same run:
//   npx jiti bench/server/compare.ts [--runs=3] [--duration=10] [--warmup=2] [--connections=10] [--cpu-prof=<dir>]
//     [--servers=ours-embedded,ours-postgres,stock] [--scenarios=read,insert]
// Each server is a process of its own on 127.0.0.1 (ours: serve.ts; stock: test/support/stock-server.ts), seeded
// over HTTP with the same 1,000 rows of ~150 bytes. Cases: a 50-row page read (`$top=50`, `$skip` rotating over the
// 1,000 rows) and inserts (POST, unique ids). Autocannon, `connections` connections for `duration` s; one warm-up of
// `warmup` s per server and case, then `runs` runs interleaved (server order rotated per run). A case with any
// non-2xx answer, socket error or timeout is invalid. Reports medians and the ratios ours/stock. Stops only the
// processes it started (the PostgreSQL server drops its scratch schema on exit). Run alone, it writes
// bench/results/server-latest.json and prints the markdown table.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { startStockServer, stockServerProblem, type StockServer } from '../../test/support/stock-server'
import { BENCH_COLUMNS, benchRow } from './rows'

/** Which server answers. */
export type ServerName = 'ours-embedded' | 'ours-postgres' | 'stock'
/** What the load does. */
export type ScenarioName = 'read' | 'insert'

export interface ServerBenchOptions {
  /** Measured runs per server and case. @default 3 */
  runs?: number
  /** Seconds of one run. @default 10 */
  duration?: number
  /** Seconds of the warm-up before the runs of a server and case. @default 2 */
  warmup?: number
  /** Concurrent connections. @default 10 */
  connections?: number
  /** Rows seeded into the read table. @default 1000 */
  rows?: number
  /** PostgreSQL for `ours-postgres`. @default BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test */
  databaseUrl?: string
  /** The servers to measure. @default all three */
  servers?: ServerName[]
  /** The cases to measure. @default both */
  scenarios?: ScenarioName[]
  /** Writes a V8 CPU profile of each of our server processes into this folder (`node --cpu-prof`). */
  cpuProfileDir?: string
  /** Progress lines. @default console.log */
  log?: (line: string) => void
}

export interface Summary { median: number, min: number, max: number }

export interface RunMeasure {
  requestsPerSecond: number
  /** Milliseconds. */
  latencyP50: number
  latencyP99: number
  /** Answers per status class, and requests that failed without an answer. */
  ok2xx: number
  non2xx: number
  errors: number
  timeouts: number
  /** Average response size (bytes, headers included). */
  bytesPerResponse: number
}

export interface CaseResult {
  scenario: ScenarioName
  server: ServerName
  /** False when a run (warm-up included) had a non-2xx answer, an error or a timeout, or the server was missing. */
  valid: boolean
  /** Why the case was not measured or is invalid. */
  problem?: string
  runs: RunMeasure[]
  requestsPerSecond?: Summary
  latencyP50?: Summary
  latencyP99?: Summary
}

export interface RatioResult {
  scenario: ScenarioName
  server: Exclude<ServerName, 'stock'>
  /** Median requests/s of ours divided by the stock server's. */
  ratioOfMedians: number
  /** The per-run ratios (run i of ours / run i of stock, measured back to back). */
  perRun: Summary
  /** The goal of the issue: ours ≥ 2× stock. */
  target: number
  met: boolean
}

export interface ServerBenchResult {
  startedAt: string
  elapsedSeconds: number
  machine: { cpus: string, cores: number, memoryGiB: number, loadAverageStart: number[], loadAverageEnd: number[] }
  /** The node binaries of the servers (ours runs on this package's Node 22; stock on the Node its sqlite3 loads in). */
  nodes: { ours: string, stock?: string }
  settings: { runs: number, duration: number, warmup: number, connections: number, rows: number, pageSize: number }
  requests: Record<ScenarioName, string>
  cases: CaseResult[]
  ratios: RatioResult[]
}

const PAGE = 50
const HEADERS = { 'ZUMO-API-VERSION': '2.0.0', 'content-type': 'application/json' }
const SERVERS: ServerName[] = ['ours-embedded', 'ours-postgres', 'stock']
const SCENARIOS: ScenarioName[] = ['read', 'insert']

interface Running { name: ServerName, url: string, stop: () => Promise<void> }

/** Starts serve.ts in a process of its own (`node --cpu-prof` when asked) and waits for its `ready` line. */
function startOurs(name: ServerName, databaseUrl: string, cpuProfileDir?: string): Promise<Running> {
  const jiti = fileURLToPath(new URL('../../node_modules/jiti/lib/jiti-cli.mjs', import.meta.url))
  const serve = fileURLToPath(new URL('./serve.ts', import.meta.url))
  const flags = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : []
  const child: ChildProcess = spawn(process.execPath, [...flags, jiti, serve, name === 'ours-postgres' ? 'postgres' : 'embedded'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(killer)
  }
  return new Promise<Running>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${name}: not ready within 60 s`))
    }, 60_000)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${name}: exited with ${child.exitCode ?? child.signalCode} before it was ready`))
    })
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /ready (http:\/\/\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve({ name, url: match[1]!, stop })
      }
    })
  })
}

async function startStock(): Promise<Running & { node: string }> {
  const table = { columns: BENCH_COLUMNS, dynamicSchema: false }
  const server: StockServer = await startStockServer({ tables: { items: table, inserts: table } })
  return { name: 'stock', url: server.url, node: server.node, stop: server.close }
}

/** Inserts `rows` rows into `items` (10 at a time) and checks that a page read answers `PAGE` rows. */
async function seed(server: Running, rows: number): Promise<void> {
  for (let n = 0; n < rows; n += 10) {
    await Promise.all(Array.from({ length: Math.min(10, rows - n) }, async (_, i) => {
      const response = await fetch(`${server.url}/tables/items`, { method: 'POST', headers: HEADERS, body: JSON.stringify(benchRow(`seed-${String(n + i).padStart(5, '0')}`, n + i)) })
      if (response.status !== 201) throw new Error(`${server.name}: seeding answered ${response.status} ${await response.text()}`)
    }))
  }
  const response = await fetch(`${server.url}/tables/items?$top=${PAGE}&$skip=${PAGE}`, { headers: HEADERS })
  const body = await response.json() as unknown
  if (response.status !== 200 || !Array.isArray(body) || body.length !== PAGE) {
    throw new Error(`${server.name}: a page read answered ${response.status} with ${Array.isArray(body) ? `${body.length} rows` : JSON.stringify(body).slice(0, 200)}`)
  }
}

/** The autocannon requests of a scenario; `tag` makes insert ids unique across runs. */
function requests(scenario: ScenarioName, rows: number, tag: string): autocannon.Request[] {
  if (scenario === 'read') {
    const pages = Math.max(1, Math.floor(rows / PAGE))
    let next = 0
    return [{
      method: 'GET',
      path: `/tables/items?$top=${PAGE}&$skip=0`,
      headers: HEADERS,
      setupRequest: request => ({ ...request, path: `/tables/items?$top=${PAGE}&$skip=${(next++ % pages) * PAGE}` }),
    }]
  }
  let next = 0
  return [{
    method: 'POST',
    path: '/tables/inserts',
    headers: HEADERS,
    setupRequest: (request) => {
      const n = next++
      return { ...request, body: JSON.stringify(benchRow(`${tag}-${n}`, n)) }
    },
  }]
}

async function load(url: string, scenario: ScenarioName, seconds: number, connections: number, rows: number, tag: string): Promise<RunMeasure> {
  const result = await autocannon({ url, connections, duration: seconds, requests: requests(scenario, rows, tag) })
  return {
    requestsPerSecond: result.requests.total / seconds,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerResponse: result.requests.total ? Math.round(result.throughput.total / result.requests.total) : 0,
  }
}

function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

const failed = (run: RunMeasure) => run.non2xx + run.errors + run.timeouts > 0

/** Runs the comparison; every server it started is stopped before it returns or throws. */
export async function runServerBench(options: ServerBenchOptions = {}): Promise<ServerBenchResult> {
  const settings = {
    runs: options.runs ?? 3,
    duration: options.duration ?? 10,
    warmup: options.warmup ?? 2,
    connections: options.connections ?? 10,
    rows: options.rows ?? 1000,
    pageSize: PAGE,
  }
  const log = options.log ?? console.log
  const databaseUrl = options.databaseUrl ?? (process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test')
  const wanted = options.servers ?? SERVERS
  const scenarios = options.scenarios ?? SCENARIOS
  const started = performance.now()
  const result: ServerBenchResult = {
    startedAt: new Date().toISOString(),
    elapsedSeconds: 0,
    machine: { cpus: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverageStart: loadavg(), loadAverageEnd: [] },
    nodes: { ours: process.execPath },
    settings,
    requests: {
      read: `GET /tables/items?$top=${PAGE}&$skip=<0, ${PAGE}, …, ${settings.rows - PAGE} rotating> (${settings.rows} rows)`,
      insert: 'POST /tables/inserts {id (unique), title (100 chars), done, n} (~150 bytes)',
    },
    cases: [],
    ratios: [],
  }
  const cases = new Map<string, CaseResult>()
  const key = (scenario: ScenarioName, server: ServerName) => `${scenario}/${server}`
  for (const scenario of scenarios) {
    for (const server of wanted) cases.set(key(scenario, server), { scenario, server, valid: true, runs: [] })
  }
  const unavailable = (server: ServerName, problem: string) => {
    log(`[server-bench] ${server} not measured: ${problem}`)
    for (const scenario of scenarios) Object.assign(cases.get(key(scenario, server))!, { valid: false, problem })
  }

  const running: Running[] = []
  try {
    for (const name of wanted) {
      try {
        let server: Running
        if (name === 'stock') {
          const problem = await stockServerProblem()
          if (problem) {
            unavailable(name, problem)
            continue
          }
          const stock = await startStock()
          result.nodes.stock = stock.node
          server = stock
        }
        else {
          server = await startOurs(name, databaseUrl, options.cpuProfileDir)
        }
        running.push(server)
        await seed(server, settings.rows)
        log(`[server-bench] ${name} ready on ${server.url}, ${settings.rows} rows seeded`)
      }
      catch (error) {
        unavailable(name, error instanceof Error ? error.message : String(error))
      }
    }
    const measured = running.filter(server => cases.get(key(scenarios[0]!, server.name))!.valid)

    for (const scenario of scenarios) {
      for (const server of measured) {
        const warm = await load(server.url, scenario, settings.warmup, settings.connections, settings.rows, 'warm')
        if (failed(warm)) Object.assign(cases.get(key(scenario, server.name))!, { valid: false, problem: `warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors, ${warm.timeouts} timeouts` })
      }
      for (let run = 0; run < settings.runs; run++) {
        // Rotate the order so that no server always runs first (or right after another's inserts).
        const order = measured.map((_, i) => measured[(i + run) % measured.length]!)
        for (const server of order) {
          const measure = await load(server.url, scenario, settings.duration, settings.connections, settings.rows, `r${run}`)
          const entry = cases.get(key(scenario, server.name))!
          entry.runs.push(measure)
          if (failed(measure)) Object.assign(entry, { valid: false, problem: `run ${run + 1}: ${measure.non2xx} non-2xx, ${measure.errors} errors, ${measure.timeouts} timeouts` })
          log(`[server-bench] ${scenario} ${server.name} run ${run + 1}/${settings.runs}: ${Math.round(measure.requestsPerSecond)} req/s, p50 ${measure.latencyP50} ms${failed(measure) ? ' INVALID' : ''}`)
        }
      }
    }
  }
  finally {
    await Promise.all(running.map(server => server.stop().catch(() => {})))
  }

  for (const entry of cases.values()) {
    if (entry.runs.length > 0) {
      entry.requestsPerSecond = summarize(entry.runs.map(run => run.requestsPerSecond))
      entry.latencyP50 = summarize(entry.runs.map(run => run.latencyP50))
      entry.latencyP99 = summarize(entry.runs.map(run => run.latencyP99))
    }
    result.cases.push(entry)
  }
  for (const scenario of scenarios) {
    const stock = cases.get(key(scenario, 'stock'))
    for (const server of ['ours-embedded', 'ours-postgres'] as const) {
      const ours = cases.get(key(scenario, server))
      if (!stock?.valid || !ours?.valid || !stock.requestsPerSecond || !ours.requestsPerSecond) continue
      const ratioOfMedians = ours.requestsPerSecond.median / stock.requestsPerSecond.median
      result.ratios.push({
        scenario,
        server,
        ratioOfMedians,
        perRun: summarize(ours.runs.map((run, i) => run.requestsPerSecond / stock.runs[i]!.requestsPerSecond)),
        target: 2,
        met: ratioOfMedians >= 2,
      })
    }
  }
  result.machine.loadAverageEnd = loadavg()
  result.elapsedSeconds = Math.round((performance.now() - started) / 1000)
  return result
}

function format(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(value >= 10 ? 1 : 2)
}

const LABELS: Record<ServerName, string> = {
  'ours-embedded': 'ours, embedded (PGlite)',
  'ours-postgres': 'ours, PostgreSQL',
  'stock': 'stock azure-mobile-apps v4 (sqlite)',
}

/** Markdown table: requests/s median (min–max), latency, and the ratio ours/stock of every case. */
export function serverBenchMarkdown(result: ServerBenchResult): string {
  const lines = [
    `| Case | Server | Requests/s median (min–max) | p50 / p99 latency (ms) | Ratio to stock, median (per-run min–max) |`,
    '| --- | --- | --- | --- | --- |',
  ]
  const titles: Record<ScenarioName, string> = { read: `read a ${PAGE}-row page of ${result.settings.rows}`, insert: 'insert one row' }
  for (const entry of result.cases) {
    const ratio = result.ratios.find(r => r.scenario === entry.scenario && r.server === entry.server)
    const rps = entry.requestsPerSecond
    const measured = rps && entry.valid
      ? `${format(rps.median)} (${format(rps.min)}–${format(rps.max)})`
      : `invalid: ${entry.problem ?? 'not measured'}`
    const latency = entry.latencyP50 && entry.latencyP99 ? `${entry.latencyP50.median} / ${entry.latencyP99.median}` : ''
    const ratioCell = ratio ? `**${ratio.ratioOfMedians.toFixed(2)}×** (${ratio.perRun.min.toFixed(2)}–${ratio.perRun.max.toFixed(2)})${ratio.met ? '' : ' below 2×'}` : entry.server === 'stock' ? 'baseline' : ''
    lines.push(`| ${titles[entry.scenario]} | ${LABELS[entry.server]} | ${measured} | ${latency} | ${ratioCell} |`)
  }
  const { settings } = result
  lines.push('', `${settings.connections} connections, ${settings.duration} s per run, ${settings.runs} runs after a ${settings.warmup} s warm-up, `
  + `servers interleaved; ${result.machine.cores} × ${result.machine.cpus}, load average ${result.machine.loadAverageStart[0]!.toFixed(2)} at start.`)
  return lines.join('\n')
}

function option(name: string): number | undefined {
  const arg = process.argv.find(value => value.startsWith(`--${name}=`))
  if (arg === undefined) return undefined
  const value = Number(arg.slice(name.length + 3))
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`)
  return value
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const profile = process.argv.find(value => value.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length)
  const list = (name: string) => process.argv.find(value => value.startsWith(`--${name}=`))?.slice(name.length + 3).split(',')
  const result = await runServerBench({
    runs: option('runs'), duration: option('duration'), warmup: option('warmup'), connections: option('connections'), rows: option('rows'),
    cpuProfileDir: profile, servers: list('servers') as ServerName[] | undefined, scenarios: list('scenarios') as ScenarioName[] | undefined,
  })
  const file = fileURLToPath(new URL('../results/server-latest.json', import.meta.url))
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  console.log(serverBenchMarkdown(result))
  console.log(`(written to ${file})`)
}
