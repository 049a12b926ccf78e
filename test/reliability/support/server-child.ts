import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('./restart-server-main.ts', import.meta.url))
// jiti runs the TypeScript entry (and the package's sources it imports) in the child process
const JITI = join(dirname(createRequire(import.meta.url).resolve('jiti/package.json')), 'lib/jiti-cli.mjs')

/** A free port on 127.0.0.1 (the restarted server listens on the same one). */
export { freePort } from '../../support/free-port'

/** One run of `restart-server-main.ts` in its own Node process. */
export interface ServerChild {
  pid: number
  /** Resolves when the process printed `line` (`HOLD`, `COMMITTED`). */
  printed: (line: string) => Promise<void>
  /** SIGKILL: the process dies at once, whatever it was doing. Resolves once it has exited. */
  kill: () => Promise<void>
  /** SIGTERM (the server closes its database), SIGKILL after 10 s. Resolves once it has exited. */
  stop: () => Promise<void>
  logs: string[]
}

/** Starts the table server process with `env` (see restart-server-main.ts) and waits until it listens. */
export async function startServerChild(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, [JITI, MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: string[] = []
  const waiters: { line: string, resolve: () => void }[] = []
  const seen = new Set<string>()
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) {
      logs.push(line)
      seen.add(line.trim())
      for (const waiter of waiters.filter(w => w.line === line.trim())) waiter.resolve()
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  let running = true
  void exited.then(() => {
    running = false
  })
  const printed = (line: string) => seen.has(line)
    ? Promise.resolve()
    : new Promise<void>((resolve, reject) => {
        waiters.push({ line, resolve })
        void exited.then(() => reject(new Error(`the server exited before printing ${line}:\n${logs.join('\n')}`)))
      })
  const signal = (name: NodeJS.Signals) => {
    if (running && child.pid !== undefined) process.kill(child.pid, name)
  }
  const started = Promise.race([
    printed('READY'),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs).unref()),
  ])
  try {
    await started
  }
  catch (error) {
    signal('SIGKILL')
    throw error
  }
  return {
    pid: child.pid!,
    printed,
    logs,
    async kill() {
      signal('SIGKILL')
      await exited
    },
    async stop() {
      signal('SIGTERM')
      const timer = setTimeout(() => signal('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
