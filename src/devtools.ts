import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { addCustomTab } from '@nuxt/devtools-kit'
import { addDevServerHandler, addPlugin, createResolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { defineEventHandler, fromNodeMiddleware, proxyRequest, send, setResponseStatus, type EventHandler } from 'h3'
import sirv from 'sirv'
import { DEVTOOLS_DEV_PORT, DEVTOOLS_ROUTE, DEVTOOLS_TAB_ICON, DEVTOOLS_TAB_NAME } from './runtime/devtools/contract'

// The "Offline Sync" tab of Nuxt DevTools: every call of @nuxt/devtools-kit stays in this file.

/** Whether the tab, its panel route and the app's bridge plugin are added: in development, unless `devtools: false`. */
export function devtoolsEnabled(dev: boolean, option: boolean | undefined): boolean {
  return dev && option !== false
}

/**
 * The panel app at `DEVTOOLS_ROUTE` (mounted there: the handler sees paths below it). Built (`clientDir/index.html`
 * exists: the published package, or this repository after the panel was generated): served from `clientDir` by
 * sirv, unknown paths answered with the app's `index.html`. Not built (developing this repository): proxied to the
 * panel's own dev server on `devPort`, with a hint when that is not running.
 */
export function panelHandler(clientDir: string, devPort: number = DEVTOOLS_DEV_PORT): EventHandler {
  if (existsSync(join(clientDir, 'index.html'))) return fromNodeMiddleware(sirv(clientDir, { dev: true, single: true }))
  const target = `http://localhost:${devPort}${DEVTOOLS_ROUTE}`
  return defineEventHandler(async (event) => {
    try {
      return await proxyRequest(event, target + event.path)
    }
    catch {
      setResponseStatus(event, 502)
      return send(event, `The Offline Sync panel is neither built (${clientDir}) nor running on port ${devPort}: start its dev server (nuxi dev --port ${devPort} in nuxt-offline-sync).`, 'text/plain; charset=utf-8')
    }
  })
}

/** Adds the DevTools tab, the route of its panel, and the development-only client plugin of the app's bridge. */
export function setupDevtools(nuxt: Nuxt): void {
  const { resolve } = createResolver(import.meta.url)
  // `dist/client`, beside the published dist/module.mjs; here src/devtools.ts resolves to the repository's own dist/
  const clientDir = resolve('../dist/client')
  addPlugin(resolve('./runtime/plugins/devtools.client'))
  addDevServerHandler({ route: DEVTOOLS_ROUTE, handler: panelHandler(clientDir) })
  addCustomTab({
    name: DEVTOOLS_TAB_NAME,
    title: 'Offline Sync',
    icon: DEVTOOLS_TAB_ICON,
    view: { type: 'iframe', src: `${DEVTOOLS_ROUTE}/` },
  }, nuxt)
}
