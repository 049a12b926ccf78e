import type { SyncContext } from './core/sync/context'
import type { NamedQuery } from './core/sync/contract'

/**
 * The sync context as the module's plugins provide it (`nuxtApp.$offlineSyncContext`, `useSyncContext()`): the
 * core's context, plus listeners on its named queries, so that `useSyncStore().queries` follows every
 * `addQuery`/`removeQuery`, whoever calls it.
 */
export interface AppSyncContext extends SyncContext {
  /** Called with a copy of the named queries after each successful `addQuery` and each `removeQuery`; returns the unsubscribe. */
  subscribeQueries(listener: (queries: Record<string, NamedQuery>) => void): () => void
}

/** `context` with `subscribeQueries`: every other member is the context's own (delegated, not copied). */
export function withQueryListeners(context: SyncContext): AppSyncContext {
  const listeners = new Set<(queries: Record<string, NamedQuery>) => void>()
  const notify = () => {
    const queries = context.queries()
    for (const listener of [...listeners]) listener(queries)
  }
  const own: Pick<AppSyncContext, 'addQuery' | 'removeQuery' | 'subscribeQueries'> = {
    addQuery(name, query) {
      // refused (unknown table, bad name): it throws before anyone is told
      context.addQuery(name, query)
      notify()
    },
    removeQuery(name) {
      context.removeQuery(name)
      notify()
    },
    subscribeQueries(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
  // defined, not assigned: works over a frozen context too
  return Object.create(context, Object.getOwnPropertyDescriptors(own)) as AppSyncContext
}
