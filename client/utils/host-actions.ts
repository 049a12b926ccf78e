// What the panel asks the app to do, through its bridge: each action with its busy key and, when the app refuses,
// its message; and the payload reads of the queue's detail pane.
import { shallowRef, type ShallowRef } from 'vue'
import type { Resolution } from '../../src/runtime/core/sync/contract'
import type { OfflineSyncDevtoolsBridge } from '../../src/runtime/devtools/contract'
import { copyPlain } from './copy'
import { errorMessage } from './format'

export interface HostActionError {
  /** The action's busy key, e.g. `push`, `retry:12`. */
  action: string
  message: string
}

/** What `payload()` found: the body push would send, no local row, or nothing to tell (an app without the method). */
export type PayloadRead
  = | { state: 'found', body: Record<string, unknown> }
    | { state: 'missing' }
    | { state: 'unavailable', message?: string }

export interface HostActions {
  /** Busy keys of the actions running now. */
  busy: ShallowRef<ReadonlySet<string>>
  /** The last failed action (cleared when the next one starts, or by `clearError`). */
  actionError: ShallowRef<HostActionError | undefined>
  clearError: () => void
  /** Each resolves `true` when the app did it, `false` when it refused (then `actionError` says why). */
  push: () => Promise<boolean>
  retry: (seq: number) => Promise<boolean>
  discard: (seq: number) => Promise<boolean>
  resolve: (conflictId: string, resolution: Resolution) => Promise<boolean>
  pullQuery: (name: string) => Promise<boolean>
  purge: (table: string, force?: boolean) => Promise<boolean>
  /** Reads the body a push would send now for an insert/update of the item (a read, not an action: never busy). */
  payload: (table: string, itemId: string) => Promise<PayloadRead>
}

/** `bridge()`: the connected app's bridge, if any; `refresh()` reads the app again after each action. */
export function createHostActions(bridge: () => OfflineSyncDevtoolsBridge | undefined, refresh: () => Promise<void>): HostActions {
  const busy = shallowRef<ReadonlySet<string>>(new Set())
  const actionError = shallowRef<HostActionError>()

  async function run(action: string, call: (bridge: OfflineSyncDevtoolsBridge) => Promise<void>): Promise<boolean> {
    const target = bridge()
    if (!target) return false
    busy.value = new Set([...busy.value, action])
    actionError.value = undefined
    try {
      await call(target)
      return true
    }
    catch (error) {
      actionError.value = { action, message: errorMessage(error) }
      return false
    }
    finally {
      const next = new Set(busy.value)
      next.delete(action)
      busy.value = next
      void refresh()
    }
  }

  async function payload(table: string, itemId: string): Promise<PayloadRead> {
    const target = bridge()
    if (typeof target?.payload !== 'function') return { state: 'unavailable' }
    try {
      const body = await target.payload(table, itemId)
      return body ? { state: 'found', body: copyPlain(body) } : { state: 'missing' }
    }
    catch (error) {
      return { state: 'unavailable', message: errorMessage(error) }
    }
  }

  return {
    busy,
    actionError,
    clearError: () => actionError.value = undefined,
    push: () => run('push', b => b.push()),
    retry: seq => run(`retry:${seq}`, b => b.retryOperation(seq)),
    discard: seq => run(`discard:${seq}`, b => b.discardOperation(seq)),
    resolve: (id, resolution) => run(`resolve:${id}`, b => b.resolve(id, resolution)),
    pullQuery: name => run(`pull:${name}`, b => b.pullQuery(name)),
    purge: (table, force) => run(`purge:${table}`, b => b.purge(table, force ? { force: true } : undefined)),
    payload,
  }
}
