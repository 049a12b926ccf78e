import type { ConflictRecord, Resolution } from '../../../src/runtime/core/sync/contract'
import type { FaultProxy } from './fault-proxy'
import type { Ledger } from './ledger'
import type { Prng } from './prng'
import type { SimClient } from './sim-client'

// The state the convergence engine keeps per device and per run (convergence.ts, convergence-actions.ts).

/** One device as the engine drives it. */
export interface Device {
  readonly sim: SimClient
  readonly proxy: FaultProxy
  readonly prng: Prng
  /** The context's online flag as the engine set it. */
  online: boolean
  /** The proxy is down (with the context offline, or alone: a network that vanished without the app noticing). */
  down: boolean
  /** Ids this device inserted into `own` (only it writes them). */
  readonly own: string[]
  tokens: number
  /** Ids of `shared` rows this device holds, as its last successful pull left them, plus its own writes since. */
  known: Set<string>
  /** A push or pull under way in the background: the device goes on writing meanwhile, as an app does. */
  syncing?: Promise<void>
}

/** What the devices did, summed over the run. */
export interface ActionCounts {
  insert: number
  update: number
  delete: number
  /** Writes refused locally as expected (the row is gone here, or its delete is queued): not made, not in the ledger. */
  refused: number
  offline: number
  online: number
  pushes: number
  pushesStopped: number
  pushesFailed: number
  pushedOperations: number
  pulls: number
  pullsFailed: number
  restarts: number
}

export const emptyCounts = (): ActionCounts => ({
  insert: 0, update: 0, delete: 0, refused: 0, offline: 0, online: 0,
  pushes: 0, pushesStopped: 0, pushesFailed: 0, pushedOperations: 0, pulls: 0, pullsFailed: 0, restarts: 0,
})

export interface ActionContext {
  ledger: Ledger
  counts: ActionCounts
  /** Every id inserted into `shared` by anyone (any device may update or delete them). */
  shared: string[]
  /** Something that must not happen (an unexpected error): the run fails with it. */
  problem: (message: string) => void
  /** Records a resolution in the ledger and the counts (the devices' handlers report theirs the same way). */
  onResolved: (device: string) => (conflict: ConflictRecord, resolution: Resolution) => void
  /** Syncs run in the background while the device's next actions (writes) go on; off: each action is awaited. */
  overlap: boolean
}
