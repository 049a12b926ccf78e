// Finding the app and guarding what the panel reads from its frame: checked by shape, since its objects are not this frame's.
import type { OfflineSyncDevtoolsBridge, OfflineSyncDevtoolsHooks } from '../../src/runtime/devtools/contract'

/** The part of the host NuxtApp the panel uses. */
export interface HostApp {
  hook: <N extends keyof OfflineSyncDevtoolsHooks>(name: N, fn: OfflineSyncDevtoolsHooks[N]) => () => void
  $offlineSyncDevtools?: unknown
}

export function isHostApp(value: unknown): value is HostApp {
  return typeof value === 'object' && value !== null && typeof (value as { hook?: unknown }).hook === 'function'
}

export function isBridge(value: unknown): value is OfflineSyncDevtoolsBridge {
  if (typeof value !== 'object' || value === null) return false
  const bridge = value as Record<string, unknown>
  return ['snapshot', 'push', 'retryOperation', 'discardOperation', 'resolve', 'pullQuery', 'purge'].every(name => typeof bridge[name] === 'function')
}

/** The app of the page that frames the panel directly (no DevTools in between), through the DevTools host it runs. */
export function parentApp(): unknown {
  try {
    if (window.parent === window) return undefined
    return (window.parent as Window & { __NUXT_DEVTOOLS_HOST__?: { nuxt?: unknown } }).__NUXT_DEVTOOLS_HOST__?.nuxt
  }
  catch {
    return undefined // a parent of another origin
  }
}
