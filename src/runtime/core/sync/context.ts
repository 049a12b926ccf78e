import { DisposedError, OfflineError, ReentrantCallError, UnknownTableError } from '../errors'
import { observeConflicts, resolveConflict } from './conflicts'
import { createBackoff } from './context-backoff'
import { createOutcome, type Outcome } from './context-outcome'
import { createQueryRegistry, pullFilter } from './context-queries'
import { createSerialQueue, type TryLockResult } from './context-serial'
import { createStatusStore } from './context-status'
import { defaultTimers, repeat } from './context-timers'
import type { SyncContext, SyncContextOptions } from './context-types'
import type { ConflictHandler, PullResult, PushResult, SyncActivity } from './contract'
import { pull } from './pull'
import { purge } from './purge'
import { push, recoverInflight } from './push'
import { discardOperation, retryOperation } from './queue-actions'
import { observeWatermarks } from './watermarks'

export type { ContextTimers } from './context-backoff'
export type { ExclusiveLock, TryLock, TryLockResult } from './context-serial'
export type { SyncContext, SyncContextOptions } from './context-types'

const IDLE: SyncActivity = Object.freeze({ kind: 'idle' })

/**
 * Creates the sync context of one app (tab) over `options.client` (local store and queue) and
 * `options.tableClient` (the server). Nothing runs until a call or `start()`; see `SyncContext`.
 */
export function createSyncContext(options: SyncContextOptions): SyncContext {
  const { client, tableClient, conflictHandler, pageSize, lock, tryLock } = options
  const now = options.now ?? Date.now
  const timers = options.timers ?? defaultTimers
  const auto = options.auto ?? true
  const retry = options.retry === false ? undefined : options.retry ?? {}
  const queries = createQueryRegistry(client.tables, options.queries)
  const serial = createSerialQueue(lock, tryLock)
  // the push waits for the handler: while it runs, a call of this context from inside it is refused (see `action`)
  const handler: ConflictHandler | undefined = conflictHandler && (record => serial.callback(() => conflictHandler(record)))
  let online = options.online ?? true
  const state = createStatusStore({ online, activity: IDLE, retryAttempt: 0 })
  const backoff = createBackoff({
    baseMs: retry?.baseMs ?? 1000,
    maxMs: retry?.maxMs ?? 300_000,
    enabled: retry !== undefined,
    timers,
    now,
    random: options.random ?? Math.random,
    // a retry that could not run (another tab held the lock) waits again, at the same attempt
    onRetry: () => background(async () => {
      const done = await autoSync()
      if (!done.ran && !disposed && online) backoff.again()
    }),
    onChange: () => state.update({ retryAttempt: backoff.attempt, nextRetryAt: backoff.nextAt }),
  })
  /** What the scheduled retry is for: `push` and `pull:<table>/<query>` keys that failed and have not succeeded since. */
  const failing = new Set<string>()
  let outcome: Outcome | undefined
  let recovered = false
  let disposed = false
  let stopInterval: (() => void) | undefined

  const setActivity = (activity: SyncActivity) => state.update({ activity })
  const background = (fn: () => Promise<unknown>) => void fn().catch(() => {})

  /** Why `name` cannot run now (disposed; a `network` action while offline), or `undefined`. */
  const refusal = (name: string, network: boolean) => disposed ? new DisposedError(name) : network && !online ? new OfflineError(name) : undefined

  /**
   * Runs `fn` serialised (and locked); `network`: refused while offline. Settles the outcome into the status. A call
   * of the app made while the conflict handler runs is refused with `ReentrantCallError`: made from inside the
   * handler, it would wait for the push that waits for the handler (one made elsewhere meanwhile is refused too: the
   * two cannot be told apart).
   */
  function action<T>(name: string, network: boolean, fn: () => Promise<T>): Promise<T> {
    const early = !disposed && serial.inCallback ? new ReentrantCallError(name) : refusal(name, network)
    if (early) return Promise.reject(early)
    return serial.run(section(name, network, fn))
  }

  /**
   * A sync the context starts on its own (start-up, reconnect, interval, backoff retry): queued like the others
   * (never refused as reentrant), but when its turn comes it runs only if the cross-tab lock is free (`tryLock`);
   * when another tab holds it, the tab that syncs there pushes this database's queue too, so this one is skipped
   * without a trace (`{ ran: false }`: no outcome, no status change). Without `tryLock` it waits for the lock.
   */
  function autoSync(): Promise<TryLockResult<{ push: PushResult, pulls: PullResult[] }>> {
    const early = refusal('sync', true)
    if (early) return Promise.reject(early)
    return serial.tryRun(section('sync', true, () => runSync(false)))
  }

  /** `fn` as a serialised section: checked again when its turn comes, its outcome settled into the status. */
  function section<T>(name: string, network: boolean, fn: () => Promise<T>): () => Promise<T> {
    return async () => {
      const late = refusal(name, network)
      if (late) throw late
      outcome = createOutcome()
      try {
        return await fn()
      }
      catch (error) {
        outcome.error(error)
        throw error
      }
      finally {
        settle(outcome)
        outcome = undefined
        setActivity(IDLE)
      }
    }
  }

  function settle(done: Outcome): void {
    if (done.firstError !== undefined) state.update({ lastError: done.firstError as Error })
    else if (done.keys.size) state.update({ lastError: undefined })
    for (const [key, result] of done.keys) {
      if (result === 'retry') failing.add(key)
      else if (result === 'ok') failing.delete(key)
    }
    // offline, no retry is scheduled: coming back online syncs at once
    if (done.retry && !disposed && online) backoff.fail()
    else if ([...done.keys.values()].includes('ok') && !failing.size) backoff.reset()
  }

  async function recover(): Promise<void> {
    await recoverInflight(client.store)
    recovered = true
  }

  /** `explicit`: a push (or sync) the app asked for, which sends every `failed` operation again (see push-failed.ts). */
  async function runPush(explicit: boolean): Promise<PushResult> {
    try {
      if (lock || !recovered) await recover()
      setActivity({ kind: 'push', done: 0, total: 0 })
      const result = await push({
        client,
        tableClient,
        conflictHandler: handler,
        now,
        resendFailed: explicit,
        onProgress: (done, total) => setActivity({ kind: 'push', done, total }),
      })
      state.update({ lastPush: { at: now(), result } })
      if (result.stopped) outcome?.failed('push', result.stopped.error, true)
      else outcome?.ok('push')
      return result
    }
    catch (error) {
      outcome?.failed('push', error)
      throw error
    }
  }

  async function runPull(table: string, name: string | undefined, filter: string | undefined): Promise<PullResult> {
    const key = `pull:${table}/${name ?? ''}`
    let activity: SyncActivity = { kind: 'pull', table, queryName: name, rows: 0, pages: 0 }
    setActivity(activity)
    try {
      const result = await pull({
        client,
        tableClient,
        pageSize,
        now,
        // already inside the serialised section: the implicit push runs directly
        pushFirst: async () => {
          const result = await runPush(false)
          setActivity(activity)
          return result
        },
        onProgress: (rows, pages) => setActivity(activity = { kind: 'pull', table, queryName: name, rows, pages }),
      }, table, { name, filter })
      outcome?.ok(key)
      return result
    }
    catch (error) {
      outcome?.failed(key, error)
      throw error
    }
  }

  async function runPullAll(): Promise<PullResult[]> {
    const results: PullResult[] = []
    let failure: { error: unknown } | undefined
    for (const [name, query] of queries.entries()) {
      try {
        results.push(await runPull(query.table, name, query.filter))
      }
      catch (error) {
        failure ??= { error }
        // the next query would meet the same network, credentials or server
        if (outcome?.retry) break
      }
    }
    if (results.length) state.update({ lastPull: { at: now(), results } })
    if (failure) throw failure.error
    return results
  }

  async function runSync(explicit: boolean): Promise<{ push: PushResult, pulls: PullResult[] }> {
    const pushed = await runPush(explicit)
    if (pushed.stopped) throw pushed.stopped.error
    return { push: pushed, pulls: await runPullAll() }
  }

  function checkTable(table: string): void {
    if (!Object.hasOwn(client.tables, table)) throw new UnknownTableError(table)
  }

  return {
    client,
    tableClient,
    status: () => state.get(),
    subscribeStatus: listener => state.subscribe(listener),
    setOnline(value) {
      if (disposed || value === online) return
      online = value
      state.update({ online })
      if (!online) return backoff.cancel()
      failing.clear()
      backoff.reset()
      if (auto) background(autoSync)
    },
    push: () => action('push', true, () => runPush(true)),
    pull(table, queryName, filter) {
      let effective: string | undefined
      try {
        checkTable(table)
        effective = pullFilter(queries, table, queryName, filter)
      }
      catch (error) {
        return Promise.reject(error)
      }
      return action('pull', true, async () => {
        const result = await runPull(table, queryName, effective)
        state.update({ lastPull: { at: now(), results: [result] } })
        return result
      })
    },
    pullAll: () => action('pull', true, runPullAll),
    sync: () => action('sync', true, () => runSync(true)),
    purge(table, purgeOptions) {
      return action('purge', false, async () => {
        checkTable(table)
        setActivity({ kind: 'purge', table })
        await purge(client, table, purgeOptions)
        outcome?.ok(`purge:${table}`)
      })
    },
    resolve: (conflictId, resolution) => action('resolve', false, () => resolveConflict({ client, now }, conflictId, resolution)),
    retryOperation: seq => action('retryOperation', false, () => retryOperation(client, seq, now())),
    discardOperation: seq => action('discardOperation', false, () => discardOperation(client, seq)),
    observeConflicts: () => observeConflicts(client.store),
    observeWatermarks: () => observeWatermarks(client.store),
    queries: () => Object.fromEntries(queries.entries()),
    addQuery: (name, query) => queries.add(name, query),
    removeQuery: name => queries.remove(name),
    async start() {
      if (disposed) return
      if (!stopInterval && (options.interval ?? 0) > 0) {
        stopInterval = repeat(timers, options.interval!, () => {
          if (online && !disposed && serial.pending === 0) background(autoSync)
        })
      }
      try {
        await action('recover', false, recover)
      }
      catch {
        // in status.lastError; the next push tries again
        return
      }
      if (auto && online) await autoSync().catch(() => {})
    },
    dispose() {
      if (disposed) return
      disposed = true
      stopInterval?.()
      stopInterval = undefined
      backoff.cancel()
    },
  }
}
