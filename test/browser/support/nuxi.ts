import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../support/free-port'

/** The repository's root (the panel app) and the playground. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const PLAYGROUND = join(ROOT, 'playground')
const NUXI = join(ROOT, 'node_modules/@nuxt/cli/bin/nuxi.mjs')

export { freePort }

/**
 * A Nuxt layer holding only `config`, written to `<dir>/layer`, for `nuxi … --extends <layer>`: a test changes the
 * playground's build folders (and what else it needs) without touching its files. Returns the layer's folder.
 */
export function writeLayer(dir: string, config: Record<string, unknown>): string {
  const layer = join(dir, 'layer')
  mkdirSync(layer, { recursive: true })
  writeFileSync(join(layer, 'nuxt.config.ts'), `export default ${JSON.stringify(config, null, 2)}\n`)
  return layer
}

/** A command of this repository run as a child process in its own process group, its output kept. */
export interface Child {
  process: ChildProcess
  /** Everything it printed so far (stdout and stderr). */
  output: () => string
  /** Resolves with its exit code. */
  exited: Promise<number | null>
  /** Ends it and every process it started (its process group): SIGTERM, SIGKILL after 5 s. */
  stop: () => Promise<void>
}

/**
 * The environment of the tests without what marks a test run: Nuxt (`nuxt.options.test`) and its DevTools turn
 * themselves off under `TEST`, `VITEST` or `NODE_ENV=test`, and a child should run as a developer runs it.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(?:TEST|VITEST.*|NODE_ENV|NUXT_TEST.*)$/.test(name)))
  return { ...base, NO_COLOR: '1', ...env }
}

/** Runs `command args` from the repository's root, in its own process group. */
export function run(command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => output += chunk.toString())
  child.stderr!.on('data', (chunk: Buffer) => output += chunk.toString())
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal)
      }
      catch {
        // the group is gone already
      }
    }
    kill('SIGTERM')
    const timer = setTimeout(() => kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    // the forked dev server may outlive its parent by a moment: make sure nothing of the group is left
    kill('SIGKILL')
  }
  return { process: child, output: () => output, exited, stop }
}

/** `nuxi <args>` with the Node running the tests. */
export function nuxi(args: string[], env: Record<string, string> = {}): Child {
  return run(process.execPath, [NUXI, ...args], env)
}

/** Runs a child to its end; rejects with its output when it fails or takes longer than `timeoutMs`. */
export async function finish(child: Child, what: string, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>(resolve => timer = setTimeout(() => resolve('timeout'), timeoutMs))
  const code = await Promise.race([child.exited, timeout])
  clearTimeout(timer)
  if (code === 'timeout') await child.stop()
  if (code !== 0) throw new Error(`${what} ${code === 'timeout' ? `took longer than ${timeoutMs / 1000} s` : `exited with ${code}`}:\n${child.output().slice(-4000)}`)
  return child.output()
}

export interface DevServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  child: Child
}

/**
 * `nuxi dev <rootDir>` on a free port of 127.0.0.1, resolved once the app's page answers (the first request waits
 * for Vite's first build). Rejects with the server's output when it does not within `timeoutMs`.
 */
export async function startDev(rootDir: string, options: { extends?: string, env?: Record<string, string>, timeoutMs?: number } = {}): Promise<DevServer> {
  const port = await freePort()
  const args = ['dev', rootDir, '--port', String(port), '--host', '127.0.0.1', '--no-clear']
  if (options.extends) args.push('--extends', options.extends)
  const child = nuxi(args, options.env)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (options.timeoutMs ?? 180_000)
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) break
    const status = await fetch(url, { signal: AbortSignal.timeout(60_000) }).then(response => response.status, () => 0)
    if (status === 200) return { url, child }
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  await child.stop()
  throw new Error(`nuxi dev did not serve ${url} in time:\n${child.output().slice(-4000)}`)
}
