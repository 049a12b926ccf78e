import { BATCH_HEADER } from '../../../src/runtime/core/protocol/batch'
import type { ConflictRecord, Resolution } from '../../../src/runtime/core/sync/contract'
import { act, goOnline, pull, push, resolveLeftovers, settleSyncs } from './convergence-actions'
import { emptyCounts, type ActionContext, type ActionCounts, type Device } from './convergence-state'
import { checkConvergence } from './convergence-checks'
import { conflictPolicy, deferredConflict } from './conflict-policy'
import { FAULT_KINDS, startFaultProxy, type FaultKind, type FaultRates } from './fault-proxy'
import { createLedger } from './ledger'
import { nodeSimClient } from './node-sim-client'
import { createPrng } from './prng'
import { revivedByUndelete, revivedNote, selfConflict } from './self-conflict'
import { SIM_QUERIES, SIM_TABLES, type SimClientFactory } from './sim-client'
import { startSimServer, type SimServer } from './sim-server'

export interface ConvergenceOptions {
  seed: number
  /** Node devices (Dexie over fake-indexeddb). @default 8 */
  clients?: number
  /** More devices, e.g. real browser pages, created after the Node ones. */
  extraDevices?: { name: string, factory: SimClientFactory }[]
  /** Stop the random phase after this many device actions… @default 400 */
  actions?: number
  /** …or after this long, whichever comes first. @default no limit */
  durationMs?: number
  /** Fault rates of every device's proxy during the random phase (0 in the final phase). */
  rates?: FaultRates
  /**
   * Devices acting at once per tick; above 1 a device's push or pull also runs in the background while its next
   * actions (writes) go on. 1 runs everything one at a time: then a seed replays the run exactly. @default 3
   */
  concurrency?: number
  /** Rounds of the final phase before it gives up on quiet. @default 12 */
  finalRounds?: number
  /** A server to run on (emptied first, left open); by default the run starts its own and closes it. */
  server?: SimServer
  /** Progress lines. */
  log?: (line: string) => void
}

export interface ConvergenceReport {
  seed: number
  devices: number
  actions: number
  counts: ActionCounts
  /** Faults injected, per kind, over every proxy; `requests`: everything the proxies saw. */
  faults: Record<Exclude<FaultKind, 'pass'> | 'down', number> & { requests: number }
  conflictsResolved: Record<Resolution['choice'], number>
  /** Local writes the ledger followed, and those given up by the conflict policy. */
  writes: number
  lostByPolicy: number
  /** Local writes not accounted for: rows lost. Must be 0. */
  unaccounted: number
  serverRows: number
  finalRounds: number
  durationMs: number
  /** Every failed invariant; empty when the run converged. */
  problems: string[]
  /** Self-conflicts the server's commit log explains as a v2 undelete's revival (see self-conflict.ts): not failures. */
  knownLimitations: string[]
}

export const DEFAULT_RATES: FaultRates = { dropRequest: 0.04, dropResponse: 0.05, delay: 0.08, error500: 0.02, error503: 0.03, truncate: 0.03, reset: 0.03 }

/**
 * One convergence run: this package's server in process, `clients` Node devices (and `extraDevices`), each behind
 * its own fault proxy, writing, going offline and syncing at random (seeded); then every device online with the
 * faults off, syncing until a round changes nothing; then the checks of convergence-checks.ts.
 */
export async function runConvergence(options: ConvergenceOptions): Promise<ConvergenceReport> {
  const started = performance.now()
  const log = options.log ?? (() => {})
  const prng = createPrng(options.seed)
  const rates = options.rates ?? DEFAULT_RATES
  const ledger = createLedger()
  const counts = emptyCounts()
  const conflictsResolved: ConvergenceReport['conflictsResolved'] = { client: 0, server: 0, merge: 0, discard: 0 }
  const problems: string[] = []
  const knownLimitations: string[] = []
  /** Self-conflicts being checked against the server's commit log (read when met: the log only grows). */
  const selfChecks: Promise<void>[] = []
  const server = options.server ?? await startSimServer()
  if (options.server) await server.reset()
  const devices: Device[] = []

  const onResolved = (name: string) => (conflict: ConflictRecord, resolution: Resolution) => {
    conflictsResolved[resolution.choice] += 1
    const self = selfConflict(ledger, name, conflict)
    if (self) {
      selfChecks.push(server.log().then(
        log => void (revivedByUndelete(log, conflict) ? knownLimitations.push(revivedNote(self, conflict)) : problems.push(self)),
        () => void problems.push(self),
      ))
    }
    if (resolution.choice === 'server' || resolution.choice === 'discard') ledger.loseByPolicy({ client: name, table: conflict.table, id: conflict.itemId })
  }

  const ctx: ActionContext = { ledger, counts, shared: [], problem: message => void problems.push(message), onResolved, overlap: (options.concurrency ?? 3) > 1 }

  try {
    // Node devices: every other one speaks v3; two in four never see the batch announcement (one request per operation)
    const factories = [
      ...Array.from({ length: options.clients ?? 8 }, (_, n) => ({ name: `c${n + 1}`, factory: nodeSimClient({ apiVersion: n % 2 ? '3.0.0' : '2.0.0', defer: deferredConflict }), oneByOne: n % 4 >= 2 })),
      ...(options.extraDevices ?? []).map(device => ({ ...device, oneByOne: false })),
    ]
    for (const { name, factory, oneByOne } of factories) {
      const stripResponseHeaders = oneByOne ? [BATCH_HEADER] : []
      const proxy = await startFaultProxy({ target: server.harness.url, seed: prng.fork(`proxy:${name}`).seed, rates, stripResponseHeaders })
      try {
        const sim = await factory({ name, baseUrl: `${proxy.url}/tables`, tables: SIM_TABLES, queries: SIM_QUERIES, resolveConflict: conflictPolicy, onResolved: onResolved(name) })
        devices.push({ sim, proxy, prng: prng.fork(`device:${name}`), online: true, down: false, own: [], known: new Set(), tokens: 0 })
      }
      catch (error) {
        await proxy.close()
        throw error
      }
    }
    log(`convergence: seed ${options.seed}, ${devices.length} devices`)

    // random phase
    const budget = options.actions ?? 400
    const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs
    const concurrency = Math.min(options.concurrency ?? 3, devices.length)
    let actions = 0
    while (actions < budget && performance.now() < deadline && !problems.length) {
      const acting = new Set<Device>()
      while (acting.size < concurrency) acting.add(prng.pick(devices))
      await Promise.all([...acting].map(device => act(device, ctx)))
      actions += acting.size
      if (actions % 500 < concurrency) log(`  ${actions} actions, ${ledger.writes.length} writes, ${Math.round((performance.now() - started) / 1000)} s`)
    }

    // final phase: faults off, everyone online, sync until a round where no push sent anything and every pull worked
    await settleSyncs(devices)
    for (const device of devices) {
      device.proxy.setRates({})
      await goOnline(device, counts)
    }
    const maxRounds = options.finalRounds ?? 12
    let rounds = 0
    let quiet = false
    // it runs even after a problem, so that the report shows where the devices really ended
    while (!quiet && rounds < maxRounds) {
      rounds += 1
      quiet = true
      for (const device of devices) {
        if (await resolveLeftovers(device, ctx)) quiet = false
        const before = counts.pushedOperations
        const failedBefore = counts.pushesFailed + counts.pushesStopped
        await push(device, ctx)
        if (counts.pushedOperations !== before || counts.pushesFailed + counts.pushesStopped !== failedBefore) quiet = false
        if ((await device.sim.queueLength()) > 0) quiet = false
        for (const queryName of Object.keys(SIM_QUERIES)) if (!await pull(device, ctx, queryName)) quiet = false
      }
    }
    if (!quiet && !problems.length) problems.push(`no quiet round after ${maxRounds} rounds of the final phase`)

    await Promise.all(selfChecks)
    const checked = await checkConvergence(devices, server, ledger)
    problems.push(...checked.problems)
    const faults = { requests: 0 } as ConvergenceReport['faults']
    for (const kind of [...FAULT_KINDS, 'down'] as const) faults[kind] = devices.reduce((sum, device) => sum + device.proxy.counts[kind], 0)
    faults.requests = devices.reduce((sum, device) => sum + Object.values(device.proxy.counts).reduce((a, b) => a + b, 0), 0)
    return {
      seed: options.seed,
      devices: devices.length,
      actions,
      counts,
      faults,
      conflictsResolved,
      writes: ledger.writes.length,
      lostByPolicy: ledger.lost.length,
      unaccounted: checked.unaccounted,
      serverRows: checked.serverRows,
      finalRounds: rounds,
      durationMs: Math.round(performance.now() - started),
      problems,
      knownLimitations,
    }
  }
  finally {
    await settleSyncs(devices)
    for (const device of devices) {
      await device.sim.dispose().catch(() => {})
      await device.proxy.close()
    }
    if (!options.server) await server.close()
  }
}
