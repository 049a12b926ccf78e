import { afterAll, afterEach, beforeAll } from 'vitest'
import type { LocalStore } from '../../src/runtime/core/store'
import type { ContextTimers } from '../../src/runtime/core/sync/context-backoff'
import type { SyncContext } from '../../src/runtime/core/sync/context'
import type { SyncStatus } from '../../src/runtime/core/sync/contract'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import { startHarness, type Harness } from '../conformance/support/harness'

/** The tables of the context tests (server and local store); `tag` keeps each test's rows apart. */
export const CONTEXT_TABLES: TablesDefinition = {
  todos: { columns: { text: 'string', tag: 'string' }, indexes: ['tag'] },
  notes: { columns: { text: 'string', tag: 'string' } },
}

/**
 * The lifecycle every context test file shares: this package's server over `CONTEXT_TABLES` for the file, and every
 * context put in `opened` disposed (its store closed) after each test. Call at the top level of a test file.
 */
export function contextSuite(): { readonly h: Harness, opened: { ctx: SyncContext, store: LocalStore }[] } {
  let harness: Harness | undefined
  const opened: { ctx: SyncContext, store: LocalStore }[] = []
  beforeAll(async () => {
    harness = await startHarness('embedded', { tables: CONTEXT_TABLES })
  })
  afterAll(async () => {
    await harness?.close()
  })
  afterEach(async () => {
    for (const { ctx, store } of opened.splice(0)) {
      ctx.dispose()
      await store.close()
    }
  })
  return {
    get h() {
      if (!harness) throw new Error('contextSuite: the server starts in beforeAll')
      return harness
    },
    opened,
  }
}

/** One request as the network fetch saw it; `operations` are the `kind:id` it carried (one, or a batch's). */
export interface SeenRequest {
  method: string
  path: string
  search: string
  operations: string[]
}

export interface NetworkEvent {
  phase: 'start' | 'end'
  method: string
  path: string
}

/**
 * A `fetch` in front of the real server that records every request, can fail them (`down`: no answer; `status`:
 * answered with that status without reaching the server) and can hold them (`hold`: each request waits for it).
 */
export function networkFetch() {
  const requests: SeenRequest[] = []
  const events: NetworkEvent[] = []
  const state = {
    down: false,
    status: undefined as number | undefined,
    hold: undefined as Promise<void> | undefined,
    /** Runs at the start of every request (e.g. to check it happens inside a lock). */
    onRequest: undefined as ((request: SeenRequest) => void) | undefined,
  }
  const fetchFn: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input))
    const method = init?.method ?? 'GET'
    const request: SeenRequest = { method, path: url.pathname, search: url.search, operations: operationsOf(method, url.pathname, init?.body) }
    requests.push(request)
    state.onRequest?.(request)
    events.push({ phase: 'start', method, path: url.pathname })
    try {
      if (state.hold) await state.hold
      if (state.down) throw new TypeError('fetch failed (test: network down)')
      if (state.status) return new Response(JSON.stringify({ error: 'test failure' }), { status: state.status, headers: { 'content-type': 'application/json' } })
      return await fetch(input, init)
    }
    finally {
      events.push({ phase: 'end', method, path: url.pathname })
    }
  }
  return {
    fetch: fetchFn,
    requests,
    events,
    state,
    /** Every operation that reached the network, `kind:id`, in order (single requests and batch members). */
    sent: () => requests.flatMap(request => request.operations),
  }
}

function operationsOf(method: string, path: string, body: unknown): string[] {
  const parsed = typeof body === 'string' && body ? JSON.parse(body) as Record<string, unknown> : undefined
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
  if (method === 'POST' && segments.at(-1) === '$batch') {
    return (parsed?.operations as { kind: string, id: string }[]).map(operation => `${operation.kind}:${operation.id}`)
  }
  if (method === 'POST') return [`insert:${String(parsed?.id)}`]
  if (method === 'PATCH' || method === 'PUT') return [`update:${segments.at(-1)}`]
  if (method === 'DELETE') return [`delete:${segments.at(-1)}`]
  return []
}

/** Timers the test fires by hand: `timeouts` and `intervals` hold what is scheduled. */
export function manualTimers(options: { withInterval?: boolean } = {}) {
  let seq = 0
  const timeouts = new Map<number, { fn: () => void, ms: number }>()
  const intervals = new Map<number, { fn: () => void, ms: number }>()
  const timers: ContextTimers = {
    setTimeout: (fn, ms) => {
      timeouts.set(++seq, { fn, ms })
      return seq
    },
    clearTimeout: handle => void timeouts.delete(handle as number),
  }
  if (options.withInterval !== false) {
    timers.setInterval = (fn, ms) => {
      intervals.set(++seq, { fn, ms })
      return seq
    }
    timers.clearInterval = handle => void intervals.delete(handle as number)
  }
  return {
    timers,
    timeouts,
    intervals,
    /** The delays of the scheduled timeouts. */
    delays: () => [...timeouts.values()].map(timeout => timeout.ms),
    /** Runs every scheduled timeout (they are one-shot: removed first). */
    fireTimeouts() {
      const due = [...timeouts.values()]
      timeouts.clear()
      for (const timeout of due) timeout.fn()
    },
    /** Runs every interval once. */
    tick() {
      for (const interval of [...intervals.values()]) interval.fn()
    },
  }
}

/** Resolves with the first status (current or future) that satisfies `test`. */
export function until(context: SyncContext, test: (status: SyncStatus) => boolean): Promise<SyncStatus> {
  return new Promise((resolve) => {
    if (test(context.status())) return resolve(context.status())
    const stop = context.subscribeStatus((status) => {
      if (!test(status)) return
      stop()
      resolve(status)
    })
  })
}

/** The status once no action runs and `test` holds. */
export const settled = (context: SyncContext, test: (status: SyncStatus) => boolean = () => true) =>
  until(context, status => status.activity.kind === 'idle' && test(status))

/**
 * An exclusive lock like Web Locks (`navigator.locks.request(name, fn)`): one holder at a time across every
 * context that shares it; records how often it was taken and the most holders seen at once.
 */
export function sharedLock() {
  let tail: Promise<unknown> = Promise.resolve()
  const stats = { calls: 0, holders: 0, maxHolders: 0 }
  const lock = <T>(fn: () => Promise<T>): Promise<T> => {
    stats.calls += 1
    const run = tail.then(async () => {
      stats.holders += 1
      stats.maxHolders = Math.max(stats.maxHolders, stats.holders)
      try {
        return await fn()
      }
      finally {
        stats.holders -= 1
      }
    })
    tail = run.then(() => {}, () => {})
    return run
  }
  return { lock, stats }
}

/** A pass-through lock that records when each section starts and ends and whether one is open now. */
export function recordingLock() {
  const log: string[] = []
  let open = 0
  let counter = 0
  const lock = async <T>(fn: () => Promise<T>): Promise<T> => {
    const n = ++counter
    log.push(`enter ${n}`)
    open += 1
    try {
      return await fn()
    }
    finally {
      open -= 1
      log.push(`exit ${n}`)
    }
  }
  return { lock, log, isOpen: () => open > 0 }
}

/** A promise with its resolve, to hold requests. */
export function gate() {
  let release!: () => void
  const promise = new Promise<void>(resolve => (release = resolve))
  return { promise, release }
}

export const caught = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error)
