// Builds test/fixtures/reliability once per change of its inputs, and starts its Nitro server in its own process.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServerProcess, type ServerProcess } from '../../concurrency/server-process'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const FIXTURE = join(ROOT, 'test/fixtures/reliability')
const OUTPUT = join(FIXTURE, '.output')
const STAMP = join(OUTPUT, 'build-inputs.sha256')
/** What the build reads of this repository (beside node_modules, covered by the lock file). */
const INPUTS = ['src', 'test/fixtures/reliability', 'test/browser/support/fixture-tables.ts', 'test/browser/support/page-api.ts',
  'test/reliability/support/sim-client.ts', 'package-lock.json']
const SKIP = new Set(['.nuxt', '.output', '.data', 'node_modules'])

function hashInto(hash: ReturnType<typeof createHash>, path: string): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) if (!SKIP.has(name)) hashInto(hash, join(path, name))
    return
  }
  hash.update(path.slice(ROOT.length)).update('\0').update(readFileSync(path)).update('\0')
}

function inputsHash(): string {
  const hash = createHash('sha256')
  for (const input of INPUTS) hashInto(hash, join(ROOT, input))
  return hash.digest('hex')
}

/**
 * `nuxi build` of the fixture, unless its `.output` (git-ignored) was built from the same inputs: the crash and
 * convergence files share one build per change. Resolves with the server entry.
 */
export async function buildFixtureApp(): Promise<string> {
  const entry = join(OUTPUT, 'server/index.mjs')
  const hash = inputsHash()
  if (existsSync(entry) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return entry
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/.bin/nuxi'), 'build', FIXTURE], {
    env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`nuxi build ${FIXTURE} exited with ${code}\n${output}`)
  writeFileSync(STAMP, hash)
  return entry
}

/** The built fixture on 127.0.0.1, its embedded database in `dataDir`; resolves once a table answers. */
export function startFixtureServer(entry: string, dataDir: string): Promise<ServerProcess> {
  return startServerProcess(entry, {
    NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: dataDir,
    NUXT_OFFLINE_SYNC_DATABASE_URL: '',
    DATABASE_URL: '',
  }, '/tables/notes', 60_000)
}
