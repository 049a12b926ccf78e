/** The timer functions the context uses (injectable for deterministic tests). */
export interface ContextTimers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
  setInterval?: (fn: () => void, ms: number) => unknown
  clearInterval?: (handle: unknown) => void
}

export interface BackoffOptions {
  /** Delay cap of the first retry. */
  baseMs: number
  /** Largest delay cap. */
  maxMs: number
  /** `false`: count failures, never schedule. */
  enabled: boolean
  timers: ContextTimers
  now: () => number
  random: () => number
  /** Called when a scheduled retry is due. */
  onRetry: () => void
  /** Called whenever `attempt` or `nextAt` changes. */
  onChange: () => void
}

/** Exponential backoff with full jitter for one retry at a time. */
export interface Backoff {
  /** Failures in a row since the last reset. */
  readonly attempt: number
  /** Epoch ms of the scheduled retry, when one is scheduled. */
  readonly nextAt: number | undefined
  /** Counts a failure and (re)schedules the retry after `random() * min(maxMs, baseMs * 2^attempt)` ms. */
  fail(): void
  /**
   * Schedules the retry again at the same attempt (a retry that could not run: another tab held the lock): after
   * `random() * min(maxMs, baseMs * 2^(attempt - 1))` ms, the delay range of the retry it replaces.
   */
  again(): void
  /** Drops the scheduled retry; the failure count stays. */
  cancel(): void
  /** Drops the scheduled retry and the failure count. */
  reset(): void
}

/** The delay before retry number `attempt + 1`: full jitter over the capped exponential (AWS "full jitter"). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return random() * Math.min(maxMs, baseMs * 2 ** attempt)
}

export function createBackoff(options: BackoffOptions): Backoff {
  let attempt = 0
  let nextAt: number | undefined
  let handle: unknown

  function clear(): boolean {
    if (handle === undefined && nextAt === undefined) return false
    if (handle !== undefined) options.timers.clearTimeout(handle)
    handle = undefined
    nextAt = undefined
    return true
  }

  function schedule(delay: number): void {
    clear()
    if (options.enabled) {
      nextAt = options.now() + delay
      handle = options.timers.setTimeout(() => {
        handle = undefined
        nextAt = undefined
        options.onChange()
        options.onRetry()
      }, delay)
    }
    options.onChange()
  }

  return {
    get attempt() {
      return attempt
    },
    get nextAt() {
      return nextAt
    },
    fail() {
      const delay = backoffDelay(attempt, options.baseMs, options.maxMs, options.random)
      attempt += 1
      schedule(delay)
    },
    again() {
      schedule(backoffDelay(Math.max(0, attempt - 1), options.baseMs, options.maxMs, options.random))
    },
    cancel() {
      if (clear()) options.onChange()
    },
    reset() {
      const changed = clear() || attempt !== 0
      attempt = 0
      if (changed) options.onChange()
    },
  }
}
