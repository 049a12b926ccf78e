// Convergence under faults with real browsers among the devices (issue 6): the engine of
// test/reliability/support/convergence.ts with 6 Node devices and 2 Chromium pages of the built
// test/fixtures/reliability app (each in its own browser context, so its own IndexedDB), every device behind its
// own fault proxy to one in-process server. Seeded: BROWSER_CONVERGENCE_SEED=<seed> replays a run's choices.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerProcess } from '../concurrency/server-process'
import { runConvergence } from '../reliability/support/convergence'
import { formatReport } from '../reliability/support/convergence-report'
import { seedFromEnv } from '../reliability/support/prng'
import { browserDevices } from './support/browser-sim-client'
import { buildFixtureApp, startFixtureServer } from './support/fixture-app'
import { launchChromium } from './support/playground'

let browser: Browser
let app: ServerProcess
let dataDir: string

beforeAll(async () => {
  const entry = await buildFixtureApp()
  // the app's own server only serves the pages; their table requests go to the suite's server through the proxies
  dataDir = await mkdtemp(join(tmpdir(), 'offline-sync-browser-convergence-'))
  app = await startFixtureServer(entry, dataDir)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('convergence under injected faults, with browser devices', () => {
  it('6 Node devices and 2 Chromium pages converge: equal to the server, no write lost, no queue or conflict left', async () => {
    const seed = seedFromEnv('BROWSER_CONVERGENCE_SEED')
    const devices = browserDevices(browser, `${app.url}/`)
    const rerun = `BROWSER_CONVERGENCE_SEED=${seed} npx vitest run --project e2e test/browser/convergence.test.ts`
    const report = await runConvergence({
      seed,
      clients: 6,
      extraDevices: [{ name: 'b1', factory: devices.factory }, { name: 'b2', factory: devices.factory }],
      actions: 600,
      durationMs: 45_000,
    }).catch((error: unknown) => {
      // a run that throws (a page that does not load, a device that cannot start) has no report: name the seed here
      throw new Error(`the convergence run failed (seed ${seed}; re-run: ${rerun})`, { cause: error })
    })
    const stats = devices.stats()
    const text = `${formatReport(report, rerun)}
browser devices: ${Object.entries(stats).map(([name, s]) => `${name} ${s.writes} writes, ${s.pushed} operations pushed, ${s.pulled} rows pulled, ${s.conflicts} conflicts resolved in the page`).join('; ')}`
    if (report.problems.length) console.error(text)
    else console.log(text)
    expect(report.problems, text).toEqual([])
    expect(report.unaccounted, text).toBe(0)
    expect(devices.errors(), text).toEqual([])
    // the run exercised what it claims to, the browsers included
    expect(report.devices, text).toBe(8)
    expect(Object.keys(stats), text).toEqual(['b1', 'b2'])
    for (const device of Object.values(stats)) {
      expect(device.writes, text).toBeGreaterThan(0)
      expect(device.pushed, text).toBeGreaterThan(0)
      expect(device.pulled, text).toBeGreaterThan(0)
    }
    expect(report.counts.insert + report.counts.update + report.counts.delete, text).toBeGreaterThan(100)
    expect(report.faults.dropResponse + report.faults.dropRequest + report.faults.truncate + report.faults.reset, text).toBeGreaterThan(0)
  })
})
