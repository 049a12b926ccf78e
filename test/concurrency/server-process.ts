import { spawn } from 'node:child_process'
import { freePort } from '../support/free-port'

/** A built Nitro server (`.output/server/index.mjs`) running in its own Node process on 127.0.0.1. */
export interface ServerProcess {
  pid: number
  url: string
  logs: string[]
  /** SIGTERM to this pid, SIGKILL after 5 s; resolves once the process has exited. */
  stop: () => Promise<void>
}

/** Starts `entry` with `env` and waits until `readyPath` answers 200 (at most `timeoutMs`). */
export async function startServerProcess(entry: string, env: Record<string, string>, readyPath: string, timeoutMs = 30_000): Promise<ServerProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env, PORT: String(port), NITRO_PORT: String(port), HOST: '127.0.0.1', NITRO_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: string[] = []
  child.stdout.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  let running = true
  void exited.then(() => {
    running = false
  })

  const signal = (name: NodeJS.Signals) => {
    try {
      if (running && child.pid !== undefined) process.kill(child.pid, name)
    }
    catch {
      // exited in the meantime
    }
  }
  const stop = async () => {
    if (!running) return
    signal('SIGTERM')
    const timer = setTimeout(() => signal('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + timeoutMs
  let lastProblem = 'no answer yet'
  while (Date.now() < deadline) {
    if (!running) throw new Error(`server ${entry} exited before it answered:\n${logs.join('')}`)
    try {
      const response = await fetch(url + readyPath, { headers: { 'ZUMO-API-VERSION': '2.0.0' } })
      if (response.status === 200) return { pid: child.pid!, url, logs, stop }
      lastProblem = `${response.status} ${await response.text()}`
    }
    catch (error) {
      lastProblem = (error as Error).message
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  await stop()
  throw new Error(`server ${entry} did not answer ${readyPath} within ${timeoutMs} ms (${lastProblem}):\n${logs.join('')}`)
}
