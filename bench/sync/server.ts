// Builds the benchmark fixture (test/fixtures/bench-sync) and starts its Nitro server as a child process.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../test/support/free-port'
import { PULL_TABLE, PUSH_TABLE, rowFields } from './page-api'

export const FIXTURE = fileURLToPath(new URL('../../test/fixtures/bench-sync', import.meta.url))
const NUXI = fileURLToPath(new URL('../../node_modules/.bin/nuxi', import.meta.url))
const API = { 'ZUMO-API-VERSION': '2.0.0', 'Accept': 'application/json' }

/** Runs `command` to its end, with this Node, its output shown only when it fails. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', code => code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}\n${output.slice(-4000)}`)))
  })
}

/** `nuxi build` of the fixture (its `.output` is git-ignored). */
export function buildFixture(): Promise<void> {
  return run([NUXI, 'build', FIXTURE], { NUXT_TELEMETRY_DISABLED: '1' })
}

export interface BenchServer {
  url: string
  pid: number
  /** `X-Offline-Sync-Batch` of a table response; `undefined` when the batch endpoint is off. */
  batchSize: number | undefined
  /** The server's page size (rows per page at most), as it was started with. */
  pageSize: number
  stop(): Promise<void>
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise(resolve => child.once('exit', () => resolve()))
}

/** Server options set at run time (runtime config through the environment); the module's defaults otherwise. */
export interface ServerSettings {
  /** `0` turns the batch endpoint off. @default 500 */
  maxBatchSize?: number
  /** Rows per page the server answers at most. @default 50 */
  pageSize?: number
}

/** Starts the built fixture on 127.0.0.1 with its embedded database in `dataDir`. Resolves once a table answers. */
export async function startServer(dataDir: string, settings: ServerSettings = {}): Promise<BenchServer> {
  const port = await freePort()
  const child = spawn(process.execPath, [`${FIXTURE}/.output/server/index.mjs`], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      NITRO_HOST: '127.0.0.1',
      NITRO_PORT: String(port),
      NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: dataDir,
      NUXT_OFFLINE_SYNC_DATABASE_URL: '',
      DATABASE_URL: '',
      ...(settings.maxBatchSize === undefined ? {} : { NUXT_OFFLINE_SYNC_MAX_BATCH_SIZE: String(settings.maxBatchSize) }),
      ...(settings.pageSize === undefined ? {} : { NUXT_OFFLINE_SYNC_PAGE_SIZE: String(settings.pageSize) }),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = exited(child)
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await done
      clearTimeout(timer)
    }
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}\n${errors}`)
    try {
      const response = await fetch(`${url}/tables/${PUSH_TABLE}`, { headers: API })
      await response.text()
      if (response.ok) {
        const header = response.headers.get('x-offline-sync-batch')
        return { url, pid: child.pid!, batchSize: header === null ? undefined : Number(header), pageSize: settings.pageSize ?? 50, stop }
      }
    }
    catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`server on ${url} did not answer within 60 s\n${errors}`)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** Inserts `count` rows into the pull table through the batch endpoint, `chunk` operations per request. */
export async function seed(server: BenchServer, count: number, chunk = 500): Promise<void> {
  for (let first = 0; first < count; first += chunk) {
    const operations = Array.from({ length: Math.min(chunk, count - first) }, (_, i) => ({
      table: PULL_TABLE, kind: 'insert', id: crypto.randomUUID(), item: rowFields(first + i),
    }))
    const response = await fetch(`${server.url}/tables/$batch`, {
      method: 'POST',
      headers: { ...API, 'Content-Type': 'application/json' },
      body: JSON.stringify({ operations }),
    })
    const body = await response.json() as { results?: { status: number }[] }
    const refused = body.results?.filter(result => result.status !== 201).length
    if (response.status !== 200 || refused !== 0) throw new Error(`seeding: ${response.status}, ${refused ?? 'no'} results refused`)
  }
}
