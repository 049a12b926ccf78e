// Builds test/fixtures/reliability once per change of its inputs, and starts its Nitro server in its own process.
import { spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServerProcess, type ServerProcess } from '../../concurrency/server-process'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const FIXTURE = join(ROOT, 'test/fixtures/reliability')
const OUTPUT = join(FIXTURE, '.output')
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
 * The fixture built from the current inputs: `.output/<hash of the inputs>/` (git-ignored), built by `nuxi build`
 * unless a build of the same inputs is there, so the crash and convergence files share one build per change. A
 * build goes to folders of its own and is renamed into place only when complete: runs at the same time never see
 * half a build. Builds older than an hour are removed. Resolves with the server entry.
 */
export async function buildFixtureApp(): Promise<string> {
  const hash = inputsHash().slice(0, 16)
  const final = join(OUTPUT, hash)
  const entry = join(final, 'server/index.mjs')
  if (existsSync(entry)) return entry
  await mkdir(OUTPUT, { recursive: true })
  await pruneOldBuilds(hash)
  const unique = `${process.pid}-${randomUUID()}`
  const output = join(OUTPUT, `building-${unique}`)
  const buildDir = join(FIXTURE, '.nuxt', unique)
  try {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/.bin/nuxi'), 'build', FIXTURE], {
      env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1', RELIABILITY_BUILD_DIR: buildDir, RELIABILITY_OUTPUT_DIR: output },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let log = ''
    child.stdout.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)))
    child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)))
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', resolve)
    })
    if (code !== 0 || !existsSync(join(output, 'server/index.mjs'))) throw new Error(`nuxi build ${FIXTURE} exited with ${code}\n${log}`)
    // another run may have put the same build in place meanwhile: then this one is dropped
    await rename(output, final).catch(() => undefined)
    return entry
  }
  finally {
    await rm(output, { recursive: true, force: true })
    await rm(buildDir, { recursive: true, force: true })
  }
}

/** Removes the builds (and unfinished ones) of other inputs that are more than an hour old. */
async function pruneOldBuilds(keep: string): Promise<void> {
  for (const name of await readdir(OUTPUT)) {
    const path = join(OUTPUT, name)
    if (name !== keep && Date.now() - (await stat(path)).mtimeMs > 3_600_000) await rm(path, { recursive: true, force: true })
  }
}

/** The built fixture on 127.0.0.1, its embedded database in `dataDir`; resolves once a table answers. */
export function startFixtureServer(entry: string, dataDir: string): Promise<ServerProcess> {
  return startServerProcess(entry, {
    NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: dataDir,
    NUXT_OFFLINE_SYNC_DATABASE_URL: '',
    DATABASE_URL: '',
  }, '/tables/notes', 60_000)
}
