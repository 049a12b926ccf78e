/** Runs `fn` inside a cross-context exclusive section (Web Locks in the browser). */
export type ExclusiveLock = <T>(fn: () => Promise<T>) => Promise<T>

/** What a `TryLock` did: ran `fn` (with its value), or did not because another context held the section. */
export type TryLockResult<T> = { ran: true, value: T } | { ran: false }

/**
 * Runs `fn` inside the same exclusive section as `ExclusiveLock` only when it is free now, without waiting
 * (Web Locks' `ifAvailable`); `{ ran: false }` when another context holds it.
 */
export type TryLock = <T>(fn: () => Promise<T>) => Promise<TryLockResult<T>>

/** One action at a time, in call order. */
export interface SerialQueue {
  /** Queues `fn` behind every earlier call (inside the lock, when there is one); settles as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T>
  /**
   * Like `run`, but once its turn comes it takes the lock only if it is free (`tryLock`); `{ ran: false }` when
   * another context holds it. Without `tryLock`, it runs like `run`.
   */
  tryRun<T>(fn: () => Promise<T>): Promise<TryLockResult<T>>
  /** Number of calls that have not settled yet (running or waiting). */
  readonly pending: number
  /**
   * Calls `fn`, an app callback that the running action waits for (the conflict handler), and settles as it does.
   * While it is pending, `inCallback` is true: a `run` started then from inside it would wait for the running action,
   * which waits for the callback (a deadlock), so the caller refuses such calls instead of queueing them.
   */
  callback<T>(fn: () => T | Promise<T>): Promise<T>
  /** A `callback` is pending. */
  readonly inCallback: boolean
}

/**
 * A FIFO promise chain: each `run` starts once every earlier one has settled (a rejection does not break the
 * chain), and runs inside `lock` when given, so a lock shared by several queues (tabs) makes them take turns too.
 */
export function createSerialQueue(lock?: ExclusiveLock, tryLock?: TryLock): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve()
  let pending = 0
  let callbacks = 0
  return {
    get pending() {
      return pending
    },
    get inCallback() {
      return callbacks > 0
    },
    async callback<T>(fn: () => T | Promise<T>): Promise<T> {
      callbacks += 1
      try {
        return await fn()
      }
      finally {
        callbacks -= 1
      }
    },
    run<T>(fn: () => Promise<T>): Promise<T> {
      return enqueue(() => lock ? lock(fn) : fn())
    },
    tryRun<T>(fn: () => Promise<T>): Promise<TryLockResult<T>> {
      if (!tryLock) return enqueue(async () => ({ ran: true as const, value: await (lock ? lock(fn) : fn()) }))
      return enqueue(() => tryLock(fn))
    },
  }
  function enqueue<T>(start: () => Promise<T>): Promise<T> {
    pending += 1
    const result = tail.then(start)
    tail = result.then(settle, settle)
    return result
  }
  function settle(): void {
    pending -= 1
  }
}
