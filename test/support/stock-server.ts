import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'vitest'

/** The test-only package of the stock Azure Mobile Apps server (`azure-mobile-apps` v4, Express, sqlite). */
export const STOCK_SERVER_DIR = fileURLToPath(new URL('../stock-server/', import.meta.url))

const INSTALL_HINT = 'run `npm ci --prefix test/stock-server` with Node 20 (or `npm run test:stock:install`)'

/** Columns of a stock table: name → `string` | `number` | `boolean` | `date`. */
export type StockColumns = Record<string, 'string' | 'number' | 'boolean' | 'date'>

/** A table of the stock server: its columns, or the columns with table options of `azure-mobile-apps`. */
export type StockTable = StockColumns | {
  columns: StockColumns
  /** @default true (pull needs `deleted`) */
  softDelete?: boolean
  /** @default true (columns the client sends that are not declared are added) */
  dynamicSchema?: boolean
  /** Rows of a list without `$top`. @default 50 */
  pageSize?: number
  /** Largest `$top`. @default 1000 */
  maxTop?: number
}

export interface StockServerOptions {
  /** @default `{ todos: { text, done, priority }, items: { n, text } }` (server.js) */
  tables?: Record<string, StockTable>
  /** How long to wait for the ready line. @default 30_000 */
  timeoutMs?: number
}

export interface StockServer {
  /** `http://127.0.0.1:<port>`; the tables are under `${url}/tables`. */
  url: string
  /** The node binary that runs it. */
  node: string
  /**
   * Rewrites the rows (all when `ids` is omitted) in ONE SQL statement, so the package's update trigger gives them
   * the same `updatedAt` and a new `version` (a timestamp tie made by the stock server itself).
   */
  touch: (table: string, ids?: string[]) => Promise<{ id: string, updatedAt: string, version: string }[]>
  /** SIGTERM to this server's own process; resolves when it has exited (its sqlite directory removed). */
  close: () => Promise<void>
}

interface NodeChoice {
  node?: string
  problem?: string
}

/** What test/stock-server/package.json installs and the server needs. */
const STOCK_PACKAGES = ['sqlite3', 'azure-mobile-apps', 'express']

/** Whether `node` loads the package's native sqlite3 binding (built by node-gyp for one Node ABI/N-API). */
function loadProblem(node: string): string | undefined {
  // The packages of test/stock-server's own package.json, loaded there (not dependencies of this package).
  const probe = spawnSync(node, ['-e', `for (const name of ${JSON.stringify(STOCK_PACKAGES)}) require(name)`], {
    cwd: STOCK_SERVER_DIR, encoding: 'utf8', timeout: 20_000,
  })
  if (probe.error) return `${node}: ${probe.error.message}`
  if (probe.status === 0) return undefined
  const lines = `${probe.stderr}`.split('\n').filter(line => /Error|error:/.test(line))
  return `${node} cannot load it: ${lines[0] ?? `exit code ${probe.status}`}`
}

/** Every `node` on PATH outside any node_modules (the npm scripts put Node 22 of node_modules/.bin first). */
function nodesOnPath(): string[] {
  const names = process.platform === 'win32' ? ['node.exe'] : ['node']
  return (process.env.PATH ?? '').split(delimiter)
    .filter(dir => dir && !dir.split(sep).includes('node_modules'))
    .flatMap(dir => names.map(name => join(dir, name)))
    .filter(file => existsSync(file))
}

let choice: NodeChoice | undefined

/**
 * The node that runs the server: `STOCK_SERVER_NODE` when set (no fallback), else the first that loads the native
 * module of: the node running the tests, then each `node` on PATH outside node_modules (the system Node 20 the
 * package was built with).
 */
function chooseNode(): NodeChoice {
  if (choice) return choice
  const forced = process.env.STOCK_SERVER_NODE
  const candidates = forced ? [forced] : [...new Set([process.execPath, ...nodesOnPath()])]
  const problems: string[] = []
  for (const node of candidates) {
    const problem = loadProblem(node)
    if (!problem) return (choice = { node })
    problems.push(problem)
  }
  return (choice = { problem: `no node can run it (${problems.join('; ')}); ${INSTALL_HINT}, or point STOCK_SERVER_NODE at a node that can` })
}

/** `undefined` when the stock server can run here, else why not (with the command that fixes it). */
export async function stockServerProblem(): Promise<string | undefined> {
  for (const dependency of STOCK_PACKAGES) {
    if (!existsSync(join(STOCK_SERVER_DIR, 'node_modules', dependency, 'package.json'))) {
      return `the stock Azure Mobile Apps server is not installed (test/stock-server/node_modules/${dependency} is missing): ${INSTALL_HINT}`
    }
  }
  return chooseNode().problem
}

/**
 * `describe(name, body)` when the stock server can run (`problem` undefined). Otherwise a single test in its place
 * that fails under `CI=true` (CI must never pass without it) and elsewhere says why and skips.
 */
export function describeWithStockServer(name: string, problem: string | undefined, body: () => void): void {
  if (!problem) {
    describe(name, body)
    return
  }
  describe(name, () => {
    it('needs the stock Azure Mobile Apps server', (ctx) => {
      if (process.env.CI === 'true') throw new Error(`${problem} (the stock server is required under CI=true)`)
      console.warn(`[${name}] skipped: ${problem}`)
      ctx.skip(problem)
    })
  })
}

/** Starts `test/stock-server/server.js` on a free port of 127.0.0.1 and waits for its ready line. */
export async function startStockServer(options: StockServerOptions = {}): Promise<StockServer> {
  const problem = await stockServerProblem()
  if (problem) throw new Error(problem)
  const node = chooseNode().node!
  const args = [join(STOCK_SERVER_DIR, 'server.js'), '0']
  if (options.tables) args.push(JSON.stringify(options.tables))
  const child = spawn(node, args, { cwd: STOCK_SERVER_DIR, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })

  let timer: ReturnType<typeof setTimeout> | undefined
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const ready = /stock-server ready (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
      if (ready) resolve(ready[1]!)
    })
    child.once('error', reject)
    void exited.then(code => reject(new Error(`the stock server exited (code ${code}) before it was ready: ${stderr.trim()}`)))
    timer = setTimeout(() => reject(new Error(`the stock server was not ready within ${options.timeoutMs ?? 30_000} ms: ${stderr.trim()}`)), options.timeoutMs ?? 30_000)
  }).catch(async (error: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL')
    throw error
  }).finally(() => clearTimeout(timer))

  return {
    url,
    node,
    async touch(table, ids) {
      const response = await fetch(`${url}/api/touch`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ table, ids }),
      })
      const body = await response.json() as { rows?: { id: string, updatedAt: string, version: string }[], error?: string }
      if (!response.ok || !body.rows) throw new Error(`touch ${table}: ${response.status} ${body.error ?? ''}`)
      return body.rows
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(killer)
    },
  }
}
