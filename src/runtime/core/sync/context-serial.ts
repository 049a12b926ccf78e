/** Runs `fn` inside a cross-context exclusive section (Web Locks in the browser). */
export type ExclusiveLock = <T>(fn: () => Promise<T>) => Promise<T>

/** One action at a time, in call order. */
export interface SerialQueue {
  /** Queues `fn` behind every earlier call (inside the lock, when there is one); settles as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T>
  /** Number of calls that have not settled yet (running or waiting). */
  readonly pending: number
}

/**
 * A FIFO promise chain: each `run` starts once every earlier one has settled (a rejection does not break the
 * chain), and runs inside `lock` when given, so a lock shared by several queues (tabs) makes them take turns too.
 */
export function createSerialQueue(lock?: ExclusiveLock): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve()
  let pending = 0
  return {
    get pending() {
      return pending
    },
    run<T>(fn: () => Promise<T>): Promise<T> {
      pending += 1
      const result = tail.then(() => lock ? lock(fn) : fn())
      tail = result.then(settle, settle)
      return result
    },
  }
  function settle(): void {
    pending -= 1
  }
}
