// The panel's one door to the running app, and the only file of the panel that touches @nuxt/devtools-kit: it finds
// the host NuxtApp (through Nuxt DevTools, or the parent window when the panel is framed directly by an app page),
// checks its `$offlineSyncDevtools` bridge and listens to `offline-sync:devtools:changed`. Reading the snapshots
// (utils/snapshot-reader.ts) and running the actions (utils/host-actions.ts) live beside it.
import { useDevtoolsClient } from '@nuxt/devtools-kit/iframe-client'
import { createSharedComposable, useIntervalFn } from '@vueuse/core'
import { computed, onScopeDispose, shallowRef, watch, type ComputedRef, type ShallowRef } from 'vue'
import { DEVTOOLS_BRIDGE_VERSION, type DevtoolsSnapshot, type OfflineSyncDevtoolsBridge } from '../../src/runtime/devtools/contract'
import { isBridge, isHostApp, parentApp, type HostApp } from '../utils/bridge'
import { createHostActions, type HostActionError, type HostActions } from '../utils/host-actions'
import { createSnapshotReader } from '../utils/snapshot-reader'

export type { HostActionError, PayloadRead } from '../utils/host-actions'

/** Where the panel stands with the app: only `connected` has a bridge. */
export type HostConnection = 'connecting' | 'no-app' | 'no-bridge' | 'incompatible' | 'connected'

export interface OfflineSyncHost extends Omit<HostActions, 'busy' | 'actionError'> {
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
  refresh: () => Promise<void>
}

/** Before this, a missing app is still "connecting" (DevTools hands the client over after the frame loads). */
const CONNECT_GRACE_MS = 1500
/** How often a missing or changed app is looked for again. */
const POLL_MS = 1000
/** Least time between the starts of two snapshot reads (a pull of many pages fires many changes). */
const MIN_READ_GAP_MS = 250

function createHost(): OfflineSyncHost {
  const client = useDevtoolsClient()
  const connection = shallowRef<HostConnection>('connecting')
  const appVersion = shallowRef<unknown>()
  const reader = createSnapshotReader(MIN_READ_GAP_MS)
  const started = Date.now()

  let app: HostApp | undefined
  let bridge: OfflineSyncDevtoolsBridge | undefined
  let unhook: (() => void) | undefined

  function findApp(): HostApp | undefined {
    const found = client.value?.host?.nuxt ?? parentApp()
    return isHostApp(found) ? found : undefined
  }

  function disconnect() {
    unhook?.()
    unhook = undefined
    bridge = undefined
    reader.attach(undefined)
  }

  function check() {
    const found = findApp()
    if (found && found === app && bridge && found.$offlineSyncDevtools === bridge) return
    disconnect()
    if (found !== app) {
      app = found
      reader.snapshot.value = undefined
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
    reader.attach(bridge)
    unhook = app.hook('offline-sync:devtools:changed', () => void reader.refresh())
    connection.value = 'connected'
    void reader.refresh()
  }

  watch(client, check, { immediate: true })
  const { pause } = useIntervalFn(check, POLL_MS)
  onScopeDispose(() => {
    pause()
    disconnect()
  })

  return {
    ...createHostActions(() => bridge, reader.refresh),
    connection,
    inDevtools: computed(() => Boolean(client.value)),
    appVersion,
    snapshot: reader.snapshot,
    readError: reader.readError,
    refresh: reader.refresh,
  }
}

/** The panel's connection to the app: one per panel, shared by every view. */
export const useOfflineSyncHost = createSharedComposable(createHost)
