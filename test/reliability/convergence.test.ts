import { describe, expect, it } from 'vitest'
import { runConvergence } from './support/convergence'
import { formatReport } from './support/convergence-report'
import { seedFromEnv } from './support/prng'

/**
 * Convergence under faults (issue 6): 8 Node devices (Dexie over fake-indexeddb) share two tables through their
 * own fault proxies to one in-process server, write, go offline and sync at random, then sync until quiet and
 * must all equal the server with every write accounted for. Seeded: CONVERGENCE_SEED=<seed> replays a run
 * (CONVERGENCE_CONCURRENCY=1 replays it exactly). `npm run soak` runs a long one.
 */
describe('convergence under injected faults', () => {
  it('8 devices converge: equal to the server, no write lost, no queue or conflict left', async () => {
    const seed = seedFromEnv('CONVERGENCE_SEED')
    const concurrency = Number(process.env.CONVERGENCE_CONCURRENCY ?? 3)
    const rerun = `CONVERGENCE_SEED=${seed} CONVERGENCE_CONCURRENCY=${concurrency} npx vitest run --project reliability test/reliability/convergence.test.ts`
    const report = await runConvergence({ seed, clients: 8, actions: 1000, concurrency }).catch((error: unknown) => {
      // a run that throws (a device that cannot start, a server that does not answer) has no report: name the seed here
      throw new Error(`the convergence run failed (seed ${seed}; re-run: ${rerun})`, { cause: error })
    })
    const text = formatReport(report, rerun)
    if (report.problems.length || process.env.CONVERGENCE_REPORT) console.error(text)
    expect(report.problems, text).toEqual([])
    expect(report.unaccounted, text).toBe(0)
    // the run exercised what it claims to
    expect(report.counts.insert + report.counts.update + report.counts.delete, text).toBeGreaterThan(200)
    expect(report.conflictsResolved.client + report.conflictsResolved.server + report.conflictsResolved.merge, text).toBeGreaterThan(0)
    expect(report.faults.dropResponse + report.faults.dropRequest + report.faults.truncate + report.faults.reset, text).toBeGreaterThan(0)
    expect(report.counts.restarts, text).toBeGreaterThan(0)
  })
})
