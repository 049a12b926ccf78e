import type { SyncStatus } from './contract'

/** The context's status: replaced as a whole on every change, so a listener can store it as is. */
export interface StatusStore {
  get(): SyncStatus
  /** Replaces the status with a copy carrying `patch` and notifies the listeners. */
  update(patch: Partial<SyncStatus>): void
  subscribe(listener: (status: SyncStatus) => void): () => void
}

export function createStatusStore(initial: SyncStatus): StatusStore {
  let current: SyncStatus = Object.freeze({ ...initial })
  const listeners = new Set<(status: SyncStatus) => void>()
  return {
    get: () => current,
    update(patch) {
      // `lastError: undefined` etc. remove the key, so a status never carries an explicit undefined
      const entries = Object.entries({ ...current, ...patch }).filter(([, value]) => value !== undefined)
      current = Object.freeze(Object.fromEntries(entries) as unknown as SyncStatus)
      for (const listener of [...listeners]) {
        try {
          listener(current)
        }
        catch (error) {
          // a failing listener must not break the sync that reported the change: report it like an event handler
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
