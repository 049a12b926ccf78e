// A Chromium process this test starts itself (not through playwright's launcher), on a profile folder of the
// test's choosing, driven over the DevTools protocol: so a test can SIGKILL it like a crash or a power cut of the
// app would, and start it again on the same profile (same IndexedDB).
import { spawn } from 'node:child_process'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'

export interface ChromiumProcess {
  pid: number
  browser: Browser
  /** The profile's default context: its pages share the profile's IndexedDB. */
  context: BrowserContext
  /** SIGKILL to the browser's process group (the browser and its renderer, network and storage processes); resolves once the browser has exited. */
  kill(): Promise<void>
  /** Disconnects and stops the browser with SIGTERM (SIGKILL after 5 s); resolves once it has exited. */
  close(): Promise<void>
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--no-default-browser-check', '--remote-debugging-port=0', 'about:blank']

/** Starts `/usr/bin/chromium` (or `CHROMIUM_PATH`) on `userDataDir` and connects to it. */
export async function startChromium(userDataDir: string): Promise<ChromiumProcess> {
  // its own process group, so one signal reaches every process of this browser and nothing else
  const child = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', [`--user-data-dir=${userDataDir}`, ...ARGS], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  let log = ''
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chromium gave no DevTools endpoint within 30 s:\n${log}`)), 30_000)
    child.once('error', reject)
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000)
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    void exited.then(() => reject(new Error(`chromium exited:\n${log}`)))
  })
  const browser = await chromium.connectOverCDP(endpoint)
  const pid = child.pid!
  let killed = false
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name)
    }
    catch {
      // already gone
    }
  }
  const kill = async () => {
    killed = true
    signal('SIGKILL')
    await exited
  }
  return {
    pid,
    browser,
    context: browser.contexts()[0]!,
    kill,
    async close() {
      if (killed) return
      await browser.close().catch(() => {})
      signal('SIGTERM')
      const timer = setTimeout(() => signal('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
      killed = true
    },
  }
}
