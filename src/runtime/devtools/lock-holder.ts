import type { DevtoolsLockHolder } from './contract'

/** The part of the Web Locks API (`navigator.locks`) the probe uses. */
export interface LockQuery {
  query(): Promise<{ held?: { name?: string, clientId?: string }[] }>
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
}

/** `navigator.locks` when this browser has Web Locks with `query()` (secure contexts only). */
function browserLocks(): LockQuery | undefined {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  return locks && typeof locks.query === 'function' && typeof locks.request === 'function'
    ? locks as unknown as LockQuery
    : undefined
}

/**
 * Who holds the Web Lock `name` now (`navigator.locks.query()`). This tab's own `clientId` is learnt once, from a
 * lock of its own (a lock's holder is told apart by it); a browser that gives no `clientId` falls back to `busy()`:
 * held while this tab's context is running an action counts as this tab. `unknown` without Web Locks.
 */
export function createLockProbe(name: string, busy: () => boolean, locks: LockQuery | undefined = browserLocks()): () => Promise<DevtoolsLockHolder> {
  let ownClientId: Promise<string | undefined> | undefined
  const probe = `${name}:devtools-probe:${Math.random().toString(36).slice(2)}`
  const own = (api: LockQuery) => ownClientId ??= api.request(probe, async () => {
    const { held = [] } = await api.query()
    return held.find(lock => lock.name === probe)?.clientId
  }).catch(() => undefined)

  return async () => {
    if (!locks) return 'unknown'
    try {
      const holder = (await locks.query()).held?.find(lock => lock.name === name)
      if (!holder) return 'free'
      const mine = await own(locks)
      if (mine === undefined || holder.clientId === undefined) return busy() ? 'this-tab' : 'other-tab'
      return holder.clientId === mine ? 'this-tab' : 'other-tab'
    }
    catch {
      return 'unknown'
    }
  }
}
