import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, FrameLocator, Page } from 'playwright-core'
import { DEVTOOLS_ROUTE, DEVTOOLS_TAB_NAME } from '../../../src/runtime/devtools/contract'
import { finish, ROOT, run } from './nuxi'
import { filesUnder } from './panel-markers'

/** The built panel the module serves in development (src/devtools.ts proxies to the panel's dev server without it). */
export const PANEL_DIR = join(ROOT, 'dist/client')

/** When the newest source of the panel changed: its app, its config, the contract it shares with the module. */
function panelSourcesChangedAt(): number {
  const client = join(ROOT, 'client')
  const files = [...filesUnder(client).map(path => join(client, path)), join(ROOT, 'nuxt.config.ts'), join(ROOT, 'src/runtime/devtools/contract.ts')]
  return Math.max(...files.map(file => statSync(file).mtimeMs))
}

/**
 * Builds the panel (`npm run client:build`) unless it is built already from its current sources: a clean clone has
 * no dist/, and a panel built before its last change would test old code.
 */
export async function ensurePanelBuilt(): Promise<void> {
  const index = join(PANEL_DIR, 'index.html')
  if (existsSync(index) && statSync(index).mtimeMs >= panelSourcesChangedAt()) return
  await finish(run('npm', ['run', 'client:build']), 'npm run client:build', 240_000)
  if (!existsSync(join(PANEL_DIR, 'index.html'))) throw new Error(`npm run client:build wrote no ${PANEL_DIR}/index.html`)
}

/** The route of the "Offline Sync" tab in the Nuxt DevTools client. */
export const TAB_ROUTE = `/modules/custom-${DEVTOOLS_TAB_NAME}`

/**
 * Makes every page of `context` open Nuxt DevTools on the "Offline Sync" tab as it loads, the way DevTools itself
 * restores its last state (localStorage of the app's origin): past the first-visit welcome, docked at the bottom,
 * `height` per cent of the window high.
 */
export async function openDevtoolsOnLoad(context: BrowserContext, height = 62): Promise<void> {
  await context.addInitScript(([route, height]) => {
    localStorage.setItem('nuxt-devtools-first-visit', 'false')
    localStorage.setItem('nuxt-devtools-frame-state', JSON.stringify({
      open: true, route, position: 'bottom', width: 96, height, top: 0, left: 50, closeOnOutsideClick: false, minimizePanelInactive: -1,
    }))
  }, [TAB_ROUTE, height] as const)
}

/** The Nuxt DevTools frame of an app page. */
export function devtoolsFrame(page: Page) {
  return page.locator('iframe[src*="/__nuxt_devtools__/client"]')
}

/** The panel: the tab's iframe inside the DevTools frame. */
export function panelFrame(page: Page): FrameLocator {
  return devtoolsFrame(page).contentFrame().locator(`iframe[src*="${DEVTOOLS_ROUTE}/"]`).contentFrame()
}

/**
 * What an app page logs that is no fault of the app or the panel: Nuxt DevTools' own client fetching icon sets
 * from esm.sh (no network beyond 127.0.0.1 here), and its console lines.
 */
export function devtoolsNoise(text: string): boolean {
  return /esm\.sh|fonts\.(?:gstatic|googleapis)\.com|iconify|ERR_NAME_NOT_RESOLVED|\/__nuxt_devtools__\//.test(text)
}
