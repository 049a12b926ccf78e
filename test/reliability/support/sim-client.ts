import type { TablesDefinition } from '../../../src/runtime/core/schema'
import type { ConflictRecord, NamedQuery, Resolution } from '../../../src/runtime/core/sync/contract'

// The contract between the convergence engine (convergence.ts) and one simulated device. A device is a Node client
// (node-sim-client.ts: Dexie over fake-indexeddb) or a real browser page; the engine drives both the same way.

/** Every device writes any row of `shared`; a row of `own` is only ever written by the device that inserted it. */
export const SHARED = 'shared'
export const OWN = 'own'

/**
 * The tables of the convergence suite (a browser fixture declares the same ones). `token` holds the unique token of
 * the write that produced the row (the ledger follows each write by it); `author` the device that inserted it.
 */
export const SIM_TABLES: TablesDefinition = {
  [SHARED]: { columns: { text: 'string', n: 'number', token: 'string', author: 'string' } },
  [OWN]: { columns: { text: 'string', n: 'number', token: 'string', author: 'string' } },
}

/** The named incremental queries each device pulls: every row of each table (so every device can equal the server). */
export const SIM_QUERIES: Record<string, NamedQuery> = {
  [SHARED]: { table: SHARED },
  [OWN]: { table: OWN },
}

/** A row as the engine writes it: the user columns of `SIM_TABLES` (all optional on update) and the id. */
export interface SimRow {
  id: string
  text?: string
  n?: number
  token?: string
  author?: string
}

/** A local row as `snapshot()` returns it: user columns and the system columns the server stamped. */
export interface SimStoredRow extends SimRow {
  version?: string
  updatedAt?: string
}

export interface SimPushResult {
  /** Operations the server accepted (or that were already applied). */
  pushed: number
  /** Conflicts this push recorded (the policy resolves them at once through the conflict handler). */
  conflicts: number
  /** Operations refused with an item error (400, 403, …). The suite expects none. */
  errors: number
  /** Why the push stopped early (`network`, `authentication`, `server`), if it did. */
  stopped?: string
}

export interface SimPullResult {
  upserted: number
  deleted: number
  skipped: number
}

/** What a device is given when it is created. */
export interface SimClientSetup {
  /** Unique per run: also the device's database name suffix and the `author` of its rows. */
  name: string
  /** Base URL of the tables through this device's own fault proxy, e.g. `http://127.0.0.1:41234/tables`. */
  baseUrl: string
  tables: TablesDefinition
  queries: Record<string, NamedQuery>
  /**
   * The conflict policy. The device must use it as its conflict handler (core `conflictHandler`, or the app's
   * `offline-sync:conflict` hook in a browser), apply exactly what it returns, and report each decision to
   * `onResolved` before returning it (the ledger counts writes lost to `server` resolutions from these reports).
   */
  resolveConflict: (conflict: ConflictRecord) => Resolution
  onResolved: (conflict: ConflictRecord, resolution: Resolution) => void
}

/**
 * One simulated device: its own local store, sync context and proxy. Writes may be made while a push or pull of the
 * same device is under way (as in an app); two pushes or pulls of one device never overlap, and `restart` and
 * `dispose` are only called while none runs (`snapshot` also right after a pull, while writes may go on). Writes reject with the store's typed errors (e.g. `ItemNotFoundError` when
 * a pull removed the row: the engine then counts the write as not made). Network calls reject with `OfflineError`
 * while offline; other failures (network faults) may reject or resolve with `stopped`: both are fine.
 */
export interface SimClient {
  readonly name: string
  insert: (table: string, row: SimRow) => Promise<void>
  /** Merges the given columns onto the stored row. */
  update: (table: string, row: SimRow) => Promise<void>
  remove: (table: string, id: string) => Promise<void>
  /** The sync context's online flag (the engine also takes the device's proxy down while it is offline). */
  setOnline: (online: boolean) => Promise<void>
  push: () => Promise<SimPushResult>
  /** A named incremental pull (`queryName` of `SIM_QUERIES`). */
  pull: (table: string, queryName: string) => Promise<SimPullResult>
  /** Every local row of every table of `SIM_TABLES`, by table, sorted by id. */
  snapshot: () => Promise<Record<string, SimStoredRow[]>>
  /** Queued operations, whatever their state. */
  queueLength: () => Promise<number>
  /** Conflicts recorded and not yet resolved. */
  conflicts: () => Promise<ConflictRecord[]>
  /** Resolves a left-over conflict (the engine passes the policy's choice and reports it to the ledger itself). */
  resolve: (conflictId: string, resolution: Resolution) => Promise<void>
  /**
   * Optional: closes the device and opens it again on the same local database (a reloaded page, a restarted app),
   * keeping its online state. The engine restarts devices that have it at random.
   */
  restart?: () => Promise<void>
  /** Stops the context and closes the store. */
  dispose: () => Promise<void>
}

/** Creates a device; the engine calls one factory per device (Node clients, browser pages). */
export type SimClientFactory = (setup: SimClientSetup) => Promise<SimClient>
