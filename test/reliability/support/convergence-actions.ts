import { isOfflineSyncError } from '../../../src/runtime/core/errors'
import { conflictPolicy } from './conflict-policy'
import type { ActionContext, ActionCounts, Device } from './convergence-state'
import { OWN, SHARED, SIM_QUERIES } from './sim-client'

/** Errors a write may meet by design: the row was removed here (by a pull, or my delete), or its delete is queued. */
const expectedWriteError = (error: unknown) => isOfflineSyncError(error, 'ITEM_NOT_FOUND') || isOfflineSyncError(error, 'QUEUE_STATE')
/** Errors a push or pull may meet through the faults: no answer, a 5xx, a cut body. */
const expectedSyncError = (error: unknown) => isOfflineSyncError(error, 'NETWORK') || isOfflineSyncError(error, 'PROTOCOL')
  || (isOfflineSyncError(error, 'HTTP') && error.status >= 500)

const describe = (error: unknown) => error instanceof Error ? `${error.name}: ${error.message}` : String(error)
/**
 * The rows an update or delete picks from: the device's own rows inserted last, or the `shared` rows inserted last
 * that the device holds (a small hot set, so devices meet on the same rows: conflicts).
 */
function pool(device: Device, ctx: ActionContext, table: string): string[] {
  if (table === OWN) return device.own.slice(-24)
  const hot = ctx.shared.slice(-48).filter(id => device.known.has(id)).slice(-16)
  return hot.length ? hot : ctx.shared.slice(-24)
}

export async function goOnline(device: Device, counts: ActionCounts): Promise<void> {
  device.proxy.setDown(false)
  device.down = false
  if (!device.online) await device.sim.setOnline(true)
  device.online = true
  counts.online += 1
}

async function goOffline(device: Device, counts: ActionCounts): Promise<void> {
  device.proxy.setDown(true)
  device.down = true
  // half the time the app is told (setOnline(false)); else its requests just fail
  if (device.prng.chance(0.5)) {
    await device.sim.setOnline(false)
    device.online = false
  }
  counts.offline += 1
}

async function write(device: Device, ctx: ActionContext, kind: 'insert' | 'update' | 'delete'): Promise<void> {
  const { prng, sim } = device
  const table = prng.chance(0.6) ? SHARED : OWN
  const token = `${sim.name}.${++device.tokens}`
  const values = { text: `t${prng.int(10_000)}`, n: prng.int(1000), token }
  let id: string
  if (kind === 'insert') id = `${sim.name}-${table}-${device.tokens}`
  else {
    const ids = pool(device, ctx, table)
    if (!ids.length) return
    id = prng.pick(ids)
  }
  const undo = ctx.ledger.write({ client: sim.name, table, id, kind, token: kind === 'delete' ? undefined : token })
  try {
    if (kind === 'insert') await sim.insert(table, { id, ...values, author: sim.name })
    else if (kind === 'update') await sim.update(table, { id, ...values })
    else await sim.remove(table, id)
  }
  catch (error) {
    undo()
    if (kind !== 'insert' && expectedWriteError(error)) return void (ctx.counts.refused += 1)
    return ctx.problem(`${sim.name}: ${kind} ${table}/${id} failed: ${describe(error)}`)
  }
  if (kind === 'insert') (table === SHARED ? ctx.shared : device.own).push(id)
  if (table === SHARED && kind !== 'update') device.known[kind === 'insert' ? 'add' : 'delete'](id)
  ctx.counts[kind] += 1
}

export async function push(device: Device, ctx: ActionContext): Promise<void> {
  ctx.counts.pushes += 1
  try {
    const result = await device.sim.push()
    ctx.counts.pushedOperations += result.pushed
    if (result.stopped) ctx.counts.pushesStopped += 1
    if (result.errors) ctx.problem(`${device.sim.name}: the server refused ${result.errors} operation(s) with an item error`)
  }
  catch (error) {
    if (!expectedSyncError(error)) ctx.problem(`${device.sim.name}: push failed: ${describe(error)}`)
    ctx.counts.pushesFailed += 1
  }
}

export async function pull(device: Device, ctx: ActionContext, queryName: string): Promise<boolean> {
  ctx.counts.pulls += 1
  try {
    const table = SIM_QUERIES[queryName]!.table
    await device.sim.pull(table, queryName)
    if (table === SHARED) device.known = new Set((await device.sim.snapshot())[SHARED]!.map(row => row.id))
    return true
  }
  catch (error) {
    if (!expectedSyncError(error)) ctx.problem(`${device.sim.name}: pull ${queryName} failed: ${describe(error)}`)
    ctx.counts.pullsFailed += 1
    return false
  }
}

/**
 * "The user" resolves the conflicts the device's handler left (the policy decides); true when there were some. One
 * at a time, reading them again after each: a `server` resolution drops every operation of the item, and the
 * conflicts recorded for its later operations with them.
 */
export async function resolveLeftovers(device: Device, ctx: ActionContext): Promise<boolean> {
  let resolved = 0
  for (let round = 0; round < 200; round++) {
    const [conflict] = await device.sim.conflicts()
    if (!conflict) break
    const resolution = conflictPolicy(conflict)
    try {
      await device.sim.resolve(conflict.id, resolution)
    }
    catch (error) {
      // resolved meanwhile by the same item's earlier conflict: read them again
      if (isOfflineSyncError(error, 'ITEM_NOT_FOUND')) continue
      ctx.problem(`${device.sim.name}: resolving ${conflict.table}/${conflict.itemId} failed: ${describe(error)}`)
      break
    }
    ctx.onResolved(device.sim.name)(conflict, resolution)
    resolved += 1
  }
  return resolved > 0
}

/** Waits for the devices' background syncs. */
export async function settleSyncs(devices: Device[]): Promise<void> {
  await Promise.all(devices.map(device => device.syncing))
}

/** Runs a push or pull: in the background when overlapping (one at a time per device), else awaited. */
function sync(device: Device, ctx: ActionContext, run: () => Promise<unknown>): Promise<void> {
  const task: Promise<void> = run().then(() => {}).finally(() => {
    if (device.syncing === task) device.syncing = undefined
  })
  if (!ctx.overlap) return task
  device.syncing = task
  return Promise.resolve()
}

async function restart(device: Device, ctx: ActionContext): Promise<void> {
  if (!device.sim.restart) return
  // a restart in the middle of a push is the crash-safety suite's subject; here the app restarts between syncs
  await device.syncing
  try {
    await device.sim.restart()
    ctx.counts.restarts += 1
  }
  catch (error) {
    ctx.problem(`${device.sim.name}: restart failed: ${describe(error)}`)
  }
}

/** The device's next random action (its own PRNG decides). */
export async function act(device: Device, ctx: ActionContext): Promise<void> {
  const { prng } = device
  const roll = prng.next()
  const query = () => prng.pick(Object.keys(SIM_QUERIES))
  // local actions, online or not: "the user" settles the conflicts left to them, the app restarts
  if (prng.chance(0.04)) return void await resolveLeftovers(device, ctx)
  if (prng.chance(0.01)) return restart(device, ctx)
  if (device.down) {
    if (roll < 0.2) return goOnline(device, ctx.counts)
    // the app believes it is online: its syncs meet a closed network
    if (device.online && !device.syncing && roll < 0.25) return sync(device, ctx, () => push(device, ctx))
    if (device.online && !device.syncing && roll < 0.3) return sync(device, ctx, () => pull(device, ctx, query()))
    return write(device, ctx, roll < 0.5 ? 'insert' : roll < 0.85 ? 'update' : 'delete')
  }
  if (roll < 0.05) return goOffline(device, ctx.counts)
  if (roll < 0.25) return write(device, ctx, 'insert')
  // a sync chosen while one is under way: an update instead
  if (roll < 0.55 || (roll >= 0.65 && device.syncing)) return write(device, ctx, 'update')
  if (roll < 0.65) return write(device, ctx, 'delete')
  if (roll < 0.82) return sync(device, ctx, () => push(device, ctx))
  return sync(device, ctx, () => pull(device, ctx, query()))
}
