// The panel's one door to the running app, and the only file that touches @nuxt/devtools-kit: it finds the host
// NuxtApp (through Nuxt DevTools, or the parent window when the panel is framed directly by an app page), checks its
// `$offlineSyncDevtools` bridge, listens to `offline-sync:devtools:changed`, and copies each snapshot into this
// frame's own refs (reactivity does not cross frames). Reads are coalesced and never overlap.
import { useDevtoolsClient } from '@nuxt/devtools-kit/iframe-client'
import { createSharedComposable, useIntervalFn } from '@vueuse/core'
import { computed, onScopeDispose, shallowRef, watch, type ComputedRef, type ShallowRef } from 'vue'
import type { Resolution } from '../../src/runtime/core/sync/contract'
import { DEVTOOLS_BRIDGE_VERSION, type DevtoolsSnapshot, type OfflineSyncDevtoolsBridge } from '../../src/runtime/devtools/contract'
import { isBridge, isHostApp, type HostApp } from '../utils/bridge'
import { errorMessage } from '../utils/format'
import { copyPlain } from '../utils/copy'

/** Where the panel stands with the app: only `connected` has a bridge. */
export type HostConnection = 'connecting' | 'no-app' | 'no-bridge' | 'incompatible' | 'connected'

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

export interface OfflineSyncHost {
  connection: Readonly<ShallowRef<HostConnection>>
  /** Whether Nuxt DevTools hosts the panel (then its `dark` class on <html> is the colour scheme). */
  inDevtools: ComputedRef<boolean>
  /** The bridge version of an incompatible app. */
  appVersion: Readonly<ShallowRef<unknown>>
  /** The last snapshot read (this frame's own copy). */
  snapshot: Readonly<ShallowRef<DevtoolsSnapshot | undefined>>
  /** Why the last snapshot read failed, if it did. */
  readError: Readonly<ShallowRef<string | undefined>>
  /** Busy keys of the actions running now. */
  busy: Readonly<ShallowRef<ReadonlySet<string>>>
  /** The last failed action (cleared when the next one starts, or by `clearError`). */
  actionError: Readonly<ShallowRef<HostActionError | undefined>>
  clearError: () => void
  refresh: () => Promise<void>
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

/** Before this, a missing app is still "connecting" (DevTools hands the client over after the frame loads). */
const CONNECT_GRACE_MS = 1500
/** How often a missing or changed app is looked for again. */
const POLL_MS = 1000
/** Least time between the starts of two snapshot reads (a pull of many pages fires many changes). */
const MIN_READ_GAP_MS = 250

/** The app page that frames the panel directly (no DevTools in between), through the DevTools host it runs. */
function parentApp(): unknown {
  try {
    if (window.parent === window) return undefined
    return (window.parent as Window & { __NUXT_DEVTOOLS_HOST__?: { nuxt?: unknown } }).__NUXT_DEVTOOLS_HOST__?.nuxt
  }
  catch {
    return undefined // a parent of another origin
  }
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

function createHost(): OfflineSyncHost {
  const client = useDevtoolsClient()
  const connection = shallowRef<HostConnection>('connecting')
  const appVersion = shallowRef<unknown>()
  const snapshot = shallowRef<DevtoolsSnapshot>()
  const readError = shallowRef<string>()
  const busy = shallowRef<ReadonlySet<string>>(new Set())
  const actionError = shallowRef<HostActionError>()
  const started = Date.now()

  let app: HostApp | undefined
  let bridge: OfflineSyncDevtoolsBridge | undefined
  let unhook: (() => void) | undefined
  let generation = 0
  let reading: Promise<void> | undefined
  let again = false

  function findApp(): HostApp | undefined {
    const found = client.value?.host?.nuxt ?? parentApp()
    return isHostApp(found) ? found : undefined
  }

  function disconnect() {
    unhook?.()
    unhook = undefined
    bridge = undefined
    generation++
  }

  function check() {
    const found = findApp()
    if (found && found === app && bridge && found.$offlineSyncDevtools === bridge) return
    disconnect()
    if (found !== app) {
      app = found
      snapshot.value = undefined
    }
    if (!app) {
      connection.value = Date.now() - started < CONNECT_GRACE_MS ? 'connecting' : 'no-app'
      return
    }
    const candidate = app.$offlineSyncDevtools
    const version = typeof candidate === 'object' && candidate !== null ? (candidate as { version?: unknown }).version : undefined
    if (version !== undefined && version !== DEVTOOLS_BRIDGE_VERSION) {
      appVersion.value = version
      connection.value = 'incompatible'
      return
    }
    if (!isBridge(candidate)) {
      connection.value = 'no-bridge'
      return
    }
    bridge = candidate
    unhook = app.hook('offline-sync:devtools:changed', () => void refresh())
    connection.value = 'connected'
    void refresh()
  }

  async function readLoop() {
    do {
      again = false
      const source = bridge
      const current = generation
      if (!source) return
      const begun = Date.now()
      try {
        const next = copyPlain(await source.snapshot())
        if (current !== generation) return
        snapshot.value = next
        readError.value = undefined
      }
      catch (error) {
        if (current === generation) readError.value = errorMessage(error)
      }
      if (again) await sleep(MIN_READ_GAP_MS - (Date.now() - begun))
    } while (again)
  }

  function refresh(): Promise<void> {
    if (reading) {
      again = true
      return reading
    }
    reading = readLoop().finally(() => reading = undefined)
    return reading
  }

  async function run(action: string, call: (bridge: OfflineSyncDevtoolsBridge) => Promise<void>): Promise<boolean> {
    const target = bridge
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
    const target = bridge
    if (typeof target?.payload !== 'function') return { state: 'unavailable' }
    try {
      const body = await target.payload(table, itemId)
      return body ? { state: 'found', body: copyPlain(body) } : { state: 'missing' }
    }
    catch (error) {
      return { state: 'unavailable', message: errorMessage(error) }
    }
  }

  watch(client, check, { immediate: true })
  const { pause } = useIntervalFn(check, POLL_MS)
  onScopeDispose(() => {
    pause()
    disconnect()
  })

  return {
    connection,
    inDevtools: computed(() => Boolean(client.value)),
    appVersion,
    snapshot,
    readError,
    busy,
    actionError,
    clearError: () => actionError.value = undefined,
    refresh,
    push: () => run('push', b => b.push()),
    retry: seq => run(`retry:${seq}`, b => b.retryOperation(seq)),
    discard: seq => run(`discard:${seq}`, b => b.discardOperation(seq)),
    resolve: (id, resolution) => run(`resolve:${id}`, b => b.resolve(id, resolution)),
    pullQuery: name => run(`pull:${name}`, b => b.pullQuery(name)),
    purge: (table, force) => run(`purge:${table}`, b => b.purge(table, force ? { force: true } : undefined)),
    payload,
  }
}

/** The panel's connection to the app: one per panel, shared by every view. */
export const useOfflineSyncHost = createSharedComposable(createHost)
