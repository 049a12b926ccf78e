import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runConvergence, type ConvergenceReport } from './support/convergence'
import { nodeSimClient } from './support/node-sim-client'
import type { SimClientFactory } from './support/sim-client'
import { startSimServer, type SimServer } from './support/sim-server'

/**
 * The convergence suite's checks catch what they promise to catch (a green run means something), and a seed with
 * one device acting at a time replays the same run.
 */
let server: SimServer
beforeAll(async () => {
  server = await startSimServer()
})
afterAll(async () => {
  await server?.close()
})
const small = () => ({ server, clients: 2, actions: 60, concurrency: 1 })

/** A device that loses every third insert: it resolves, but nothing is written. */
const losesInserts: SimClientFactory = async (setup) => {
  const device = await nodeSimClient()(setup)
  let inserts = 0
  return { ...device, insert: async (table, row) => (++inserts % 3 === 0 ? undefined : device.insert(table, row)) }
}

/** A device whose pulls do nothing. */
const neverPulls: SimClientFactory = async (setup) => {
  const device = await nodeSimClient()(setup)
  return { ...device, pull: async () => ({ upserted: 0, deleted: 0, skipped: 0 }) }
}

const comparable = (report: ConvergenceReport) => ({ ...report, durationMs: 0 })

describe('convergence checks', () => {
  it('a device that silently drops writes is caught: lost writes', async () => {
    const report = await runConvergence({ seed: 11, ...small(), extraDevices: [{ name: 'lossy', factory: losesInserts }] })
    expect(report.unaccounted).toBeGreaterThan(0)
    expect(report.problems.join('\n')).toMatch(/lost write: lossy insert/)
  })

  it('a device that never takes the server\'s rows is caught: it differs from the server', async () => {
    const report = await runConvergence({ seed: 12, ...small(), extraDevices: [{ name: 'deaf', factory: neverPulls }] })
    expect(report.problems.join('\n')).toMatch(/deaf: (shared|own) differs from the server/)
  })

  it('the same seed, one device at a time, replays the same run', async () => {
    const first = await runConvergence({ seed: 13, ...small(), clients: 3 })
    const second = await runConvergence({ seed: 13, ...small(), clients: 3 })
    expect(first.problems).toEqual([])
    expect(comparable(second)).toEqual(comparable(first))
  })
})
