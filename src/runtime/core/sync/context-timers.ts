import type { ContextTimers } from './context-backoff'

/** The global timers (looked up at call time, so test tools that replace them are seen). */
export const defaultTimers: ContextTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: handle => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: handle => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
}

/** Calls `fn` every `ms` (with `setInterval` when the timers have one, else a chain of timeouts); returns the stop. */
export function repeat(timers: ContextTimers, ms: number, fn: () => void): () => void {
  if (timers.setInterval && timers.clearInterval) {
    const { clearInterval } = timers
    const handle = timers.setInterval(fn, ms)
    return () => clearInterval(handle)
  }
  let stopped = false
  let handle: unknown
  const tick = () => {
    handle = timers.setTimeout(() => {
      if (stopped) return
      tick()
      fn()
    }, ms)
  }
  tick()
  return () => {
    stopped = true
    timers.clearTimeout(handle)
  }
}
