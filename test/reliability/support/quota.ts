import { IDBObjectStore } from 'fake-indexeddb'

/** How the simulated quota failure arrives. */
export type QuotaMode
  /** As browsers report it: the request fails with `QuotaExceededError`, and the transaction aborts with it. */
  = | 'request'
  /** `put`/`add` throws the `QuotaExceededError` at once (the request never starts). */
    | 'throw'

export interface QuotaInjection {
  /** Failures injected so far. */
  readonly injected: number
  /** Puts back the real `put` and `add`. */
  restore: () => void
}

interface FakeTransaction {
  _execRequestAsync(request: { source: unknown, operation: () => unknown }): unknown
}

const quotaError = () => new DOMException('The quota has been exceeded (test)', 'QuotaExceededError')

/**
 * Makes fake-indexeddb's `IDBObjectStore.put`/`add` fail with a `QuotaExceededError` when `when(storeName)` says so
 * (until `restore()`). For tests only: it patches the prototype every fake-indexeddb database shares.
 */
export function injectQuotaExceeded(when: (storeName: string) => boolean, mode: QuotaMode = 'request'): QuotaInjection {
  const proto = IDBObjectStore.prototype as unknown as Record<'put' | 'add', (this: IDBObjectStore, ...args: unknown[]) => unknown>
  const original = { put: proto.put, add: proto.add }
  let injected = 0
  for (const method of ['put', 'add'] as const) {
    proto[method] = function (this: IDBObjectStore, ...args: unknown[]) {
      if (!when(this.name)) return original[method].apply(this, args)
      injected += 1
      if (mode === 'throw') throw quotaError()
      // a request of this store whose operation fails: error event on the request, then the transaction aborts
      return (this.transaction as unknown as FakeTransaction)._execRequestAsync({
        source: this,
        operation: () => {
          throw quotaError()
        },
      })
    }
  }
  return {
    get injected() {
      return injected
    },
    restore() {
      proto.put = original.put
      proto.add = original.add
    },
  }
}
