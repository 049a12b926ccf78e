import { isOfflineSyncError } from '../errors'
import type { QueuedOperation } from '../operation'
import { CONFLICTS_TABLE, OPERATIONS_TABLE, type LocalStore } from '../store'
import type { SyncClient } from '../sync-client'
import { readConflict, resolveSeenConflict } from './conflicts'
import type { ConflictHandler, ConflictRecord, PushResult, Resolution, TableClient } from './contract'
import type { FailedBackoff } from './push-failed'
import type { PushOutcome } from './push-outcome'
import { sendAll, sendSingle, type Transport } from './push-send'
import { prepareOperation, releaseUnsent, settleOutcome, type PreparedOperation, type Settled } from './push-settle'

export interface PushDeps {
  client: SyncClient
  tableClient: TableClient
  /** Decides conflicts as they happen; a returned resolution is applied and the operation retried (at most 5 times). */
  conflictHandler?: ConflictHandler
  /** Operations handled so far (sent, skipped or resolved) of those this push saw. */
  onProgress?: (done: number, total: number) => void
  /** Clock for operation and conflict timestamps (epoch ms). @default Date.now */
  now?: () => number
  /**
   * Send every `failed` operation again now (an explicit push). `false`: only those whose row changed since or
   * whose backoff delay has passed (see push-failed.ts); the others wait, and so do the later operations of their
   * items. @default true
   */
  resendFailed?: boolean
  /** The backoff of failed operations when `resendFailed` is `false`. @default { baseMs: 60_000, maxMs: 3_600_000 } */
  failedBackoff?: FailedBackoff
}

/** How many times the conflict handler may resolve one operation's conflicts in one push. */
export const MAX_HANDLER_RETRIES = 5

/** How many times one push sends an operation again at once after meeting an earlier attempt's lost success. */
export const MAX_RESENDS = 5

/**
 * How many operations one-by-one push marks `inflight` in one transaction before sending them one after the other
 * (see `sendOneByOne`): one transaction instead of one per operation, and each outcome is written while the next
 * request is on its way.
 */
export const SINGLE_CHUNK_SIZE = 32

const itemKey = (operation: QueuedOperation) => `${operation.table}\u0000${operation.itemId}`

/**
 * Resets operations left `inflight` by a page that went away (call it when a context starts, before any push)
 * to `pending`; their `attempts` keep the fact that they may have reached the server. Returns how many.
 */
export async function recoverInflight(store: LocalStore): Promise<number> {
  return store.transaction('readwrite', [OPERATIONS_TABLE], async (tx) => {
    const inflight = await tx.query<QueuedOperation>(OPERATIONS_TABLE, { where: { state: 'inflight' } })
    if (inflight.length) await tx.bulkPut(OPERATIONS_TABLE, inflight.map(operation => ({ ...operation, state: 'pending' })))
    return inflight.length
  })
}

/**
 * Sends the queue to the server in queue order across all tables, one operation per request or, when the
 * server announced it, in batches (never two operations of one item in a batch: a chunk ends before the
 * second one, so the batches keep queue order).
 * - An operation in `conflict` and every later operation of its item are skipped until the conflict is resolved;
 *   so are the later operations of an item whose operation failed in this push, or was handed back to `pending`
 *   meanwhile by another tab's `recoverInflight` (it is settled as `released`, or kept after a success).
 * - A `failed` operation is sent again only when `resendFailed` (the default) or when it is due (see push-failed.ts);
 *   until then it and the later operations of its item wait.
 * - Each operation is marked `inflight` in its own transaction before it is sent; its outcome is written in one
 *   transaction (see `settleOutcome`). Operations queued meanwhile are pushed too, after the others.
 * - A retry that meets what an earlier attempt of the same operation sent (its answer was lost, the row changed
 *   since) takes that as the earlier attempt's success and sends the newer values at once, as an update.
 * - A network error, 401, 5xx, 408 or 429 stops the push (`stopped`); the operation goes back to `pending`.
 * Resolves with what happened; rejects only when the local store fails (operations then stay as they were).
 */
export async function push(deps: PushDeps): Promise<PushResult> {
  const { client, tableClient, conflictHandler } = deps
  const { store } = client
  const now = deps.now ?? Date.now
  const result: PushResult = { pushed: 0, conflicts: [], errors: [], batched: false }
  const blocked = new Set<string>()
  const handled = new Map<number, number>()
  const resent = new Map<number, number>()
  const failedPolicy = { resendFailed: deps.resendFailed ?? true, backoff: deps.failedBackoff }
  const transport: Transport = { batchRefused: false, batched: false }
  let done = 0
  let total = 0
  const progress = () => deps.onProgress?.(done, total)

  async function prepare(operations: QueuedOperation[]): Promise<PreparedOperation[]> {
    const tables = [...new Set(operations.map(operation => operation.table))]
    // one transaction for the chunk; its operations are of distinct items (see the chunking below), so each one's
    // reads and writes are issued at once instead of one round trip after the other
    const preparations = await store.transaction('readwrite', [...tables, OPERATIONS_TABLE], tx =>
      Promise.all(operations.map(operation => prepareOperation(tx, operation.seq, client.tables[operation.table]!, now(), failedPolicy))))
    const prepared: PreparedOperation[] = []
    for (const [index, preparation] of preparations.entries()) {
      if (preparation.type === 'send') {
        prepared.push(preparation.prepared)
        continue
      }
      if (preparation.type === 'blocked') blocked.add(itemKey(operations[index]!))
      done += 1
    }
    return prepared
  }

  async function settle(prepared: PreparedOperation[], outcomes: PushOutcome[]): Promise<Settled[]> {
    const tables = [...new Set(prepared.map(entry => entry.operation.table))]
    // as in `prepare`: operations of distinct items, settled side by side in one transaction
    return store.transaction('readwrite', [...tables, OPERATIONS_TABLE, CONFLICTS_TABLE], tx =>
      Promise.all(prepared.map((entry, index) => settleOutcome(tx, entry, outcomes[index]!, now()))))
  }

  /** Sends prepared operations (a batch when possible) and writes their outcomes. */
  async function send(prepared: PreparedOperation[]): Promise<Settled[]> {
    try {
      const outcomes = await sendAll(tableClient, prepared, transport)
      if (transport.batched) result.batched = true
      return await settle(prepared, outcomes)
    }
    catch (error) {
      // an unexpected failure (local store, a bug): nothing stays inflight
      await settle(prepared, prepared.map(() => ({ type: 'stop', reason: 'server', error: error as Error }))).catch(() => {})
      throw error
    }
  }

  /** Puts operations marked but not sent back as they were (a stop, or a conflict that waits for its handler). */
  async function release(unsent: PreparedOperation[]): Promise<void> {
    if (!unsent.length) return
    await store.transaction('readwrite', [OPERATIONS_TABLE], tx => Promise.all(unsent.map(entry => releaseUnsent(tx, entry))))
  }

  /**
   * Sends marked operations (of distinct items) one request each, in order, with the same outcomes as one `send`
   * per operation, but outcomes are written and reported while the next request is on its way: the outcomes that
   * came while one write ran are written together, in one transaction (in order), then reported in order. An
   * outcome that may send other requests first (a conflict for the handler, an earlier attempt's lost success) or
   * that ends the push waits for those writes: the operations not sent yet are released (`release`), the outcome
   * is written and reported, and (unless the push stopped) they are marked again and sent.
   */
  async function sendOneByOne(chunk: PreparedOperation[]): Promise<void> {
    let queue = chunk
    const unsettled = new Set<PreparedOperation>()
    let waiting: [PreparedOperation, PushOutcome][] = []
    let settling: Promise<void> | undefined
    let failure: { error: unknown } | undefined
    const settleAndReport = async (group: [PreparedOperation, PushOutcome][]) => {
      const settled = await settle(group.map(([entry]) => entry), group.map(([, outcome]) => outcome))
      for (const [entry] of group) unsettled.delete(entry)
      for (const [index, [entry]] of group.entries()) {
        await report(entry, settled[index]!)
        progress()
      }
    }
    const drain = async () => {
      while (waiting.length && !failure) {
        const group = waiting
        waiting = []
        await settleAndReport(group)
      }
    }
    const written = async () => {
      await settling
      if (failure) throw failure.error
    }
    try {
      while (queue.length) {
        if (failure) throw failure.error
        const entry = queue.shift()!
        unsettled.add(entry)
        const outcome = await sendSingle(tableClient, entry)
        if (outcome.type !== 'stop' && outcome.type !== 'conflict' && !(outcome.type === 'success' && outcome.earlier === true)) {
          waiting.push([entry, outcome])
          settling ??= drain().catch((error: unknown) => {
            failure ??= { error }
          }).finally(() => (settling = undefined))
          continue
        }
        await written()
        await release(queue)
        const rest = queue.map(other => other.operation)
        queue = []
        await settleAndReport([[entry, outcome]])
        if (result.stopped || !rest.length) break
        queue = await prepare(rest)
      }
      await written()
    }
    catch (error) {
      // an unexpected failure (local store, a bug): nothing stays inflight
      await settling
      const sent = [...unsettled]
      await settle(sent, sent.map(() => ({ type: 'stop', reason: 'server', error: error as Error }))).catch(() => {})
      await release(queue).catch(() => {})
      throw error
    }
  }

  /** Counts one settled operation; a conflict goes to the handler, and a resolution that keeps the operation retries it. */
  async function report(entry: PreparedOperation, settled: Settled): Promise<void> {
    const { operation } = entry
    switch (settled.type) {
      case 'stop':
        result.stopped ??= { reason: settled.reason, error: settled.error }
        return
      case 'success': {
        if (settled.resend) {
          // an earlier attempt's lost success: the newer values go now, as an update of that version
          const count = resent.get(operation.seq) ?? 0
          resent.set(operation.seq, count + 1)
          if (count < MAX_RESENDS && !result.stopped) return retry(operation)
          blocked.add(itemKey(operation))
          break
        }
        result.pushed += 1
        // handed back meanwhile and still queued: the rest of its item waits behind it, for the next push
        if (settled.kept) blocked.add(itemKey(operation))
        break
      }
      case 'released':
        blocked.add(itemKey(operation))
        break
      case 'failed':
        result.errors.push({ operation: settled.operation, status: settled.status, message: settled.message })
        blocked.add(itemKey(operation))
        break
      case 'conflict': {
        const next = await handle(settled.record)
        if (next === 'kept') {
          result.conflicts.push(settled.record)
          blocked.add(itemKey(operation))
        }
        // after a stop nothing more is sent: the resolved operation waits, pending, for the next push
        if (next === 'retry' && !result.stopped) return retry(operation)
        break
      }
      case 'gone':
        break
    }
    done += 1
  }

  async function retry(operation: QueuedOperation): Promise<void> {
    const prepared = await prepare([operation])
    if (!prepared.length) return
    const [settled] = await send(prepared)
    return report(prepared[0]!, settled!)
  }

  /**
   * Asks the handler: `kept` (no resolution), `retry` (the operation is pending again) or `resolved` (it is gone).
   * An answer is applied only to the record the handler saw: when the item changed while it decided (a local
   * write), it is asked again with the record as it is now (each answer counts toward `MAX_HANDLER_RETRIES`).
   */
  async function handle(first: ConflictRecord): Promise<'kept' | 'retry' | 'resolved'> {
    let record: ConflictRecord | undefined = first
    while (conflictHandler && record) {
      const count = handled.get(record.operationSeq) ?? 0
      if (count >= MAX_HANDLER_RETRIES) return 'kept'
      try {
        const resolution: Resolution | undefined = await conflictHandler(record)
        if (!resolution) return 'kept'
        handled.set(record.operationSeq, count + 1)
        if (await resolveSeenConflict({ client, now }, record, resolution)) {
          return resolution.choice === 'client' || resolution.choice === 'merge' ? 'retry' : 'resolved'
        }
      }
      catch (error) {
        if (isOfflineSyncError(error, 'STORAGE')) throw error
        // a handler that throws, or a merge item that does not fit the table: the conflict waits for the user
        return 'kept'
      }
      record = await readConflict(store, record.id)
    }
    // no handler; or the conflict went meanwhile (resolved elsewhere): nothing left to decide here
    return record ? 'kept' : 'resolved'
  }

  const batching = () => tableClient.batchSupported === true && !transport.batchRefused
  const singles = () => tableClient.batchSupported === false || transport.batchRefused
  let cursor = 0
  while (!result.stopped) {
    // every round reads what was queued after the last round (local writes go on during a push)
    const after = cursor
    const queue = await store.transaction('readonly', [OPERATIONS_TABLE], tx => tx.query<QueuedOperation>(OPERATIONS_TABLE, { filter: operation => operation.seq > after }))
    if (!queue.length) break
    cursor = queue.at(-1)!.seq
    const planned = queue.filter((operation) => {
      // operations of tables this client does not declare belong to another client: left alone
      if (!Object.hasOwn(client.tables, operation.table)) return false
      if (operation.state === 'conflict' || operation.state === 'inflight') blocked.add(itemKey(operation))
      return !blocked.has(itemKey(operation))
    })
    total += planned.length
    progress()
    let index = 0
    while (index < planned.length && !result.stopped) {
      // one by one, operations are marked in chunks once the server is known not to take batches
      const size = batching() ? Math.max(1, tableClient.maxBatchSize) : singles() ? SINGLE_CHUNK_SIZE : 1
      const chunk: QueuedOperation[] = []
      const keys = new Set<string>()
      while (index < planned.length && chunk.length < size) {
        const operation = planned[index]!
        const key = itemKey(operation)
        // a second operation of an item already in the chunk ends the chunk. Skipping over it to fill the chunk
        // with later operations of other items would send them before it, against the queue order push keeps
        // (the server applies a batch in array order; the app may depend on the order across items). The cost:
        // a queue that alternates between a few items gets small chunks (n operations of one item: n requests),
        // but collapse leaves at most one operation per item unless one was sent before, so repeats are rare.
        if (keys.has(key)) break
        index += 1
        if (blocked.has(key)) {
          done += 1
          continue
        }
        keys.add(key)
        chunk.push(operation)
      }
      const prepared = chunk.length ? await prepare(chunk) : []
      if (prepared.length > 1 && !batching()) await sendOneByOne(prepared)
      else if (prepared.length) {
        const settled = await send(prepared)
        for (const [position, entry] of prepared.entries()) await report(entry, settled[position]!)
      }
      progress()
    }
  }
  return result
}
