// The module side of the DevTools tab (src/devtools.ts): when the tab, its route and the bridge plugin are added (the
// module set up by @nuxt/kit's loadNuxt on the basic fixture, nothing built), and how the panel route answers (built
// panel served by sirv; otherwise proxied to the panel's dev server).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadNuxt } from '@nuxt/kit'
import { createApp, toNodeListener } from 'h3'
import { afterAll, describe, expect, it } from 'vitest'
import { devtoolsEnabled, panelHandler } from '../../../src/devtools'
import { DEVTOOLS_ROUTE, DEVTOOLS_TAB_NAME } from '../../../src/runtime/devtools/contract'

const fixture = fileURLToPath(new URL('../../fixtures/basic', import.meta.url))
/** The module's development-only bridge plugin. */
const OWN_PLUGIN = /src[/\\]runtime[/\\]plugins[/\\]devtools\.client(?:\.ts)?$/
const scratch = mkdtempSync(join(tmpdir(), 'offline-sync-devtools-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** What the module added to a Nuxt loaded with `dev` and the `devtools` option (undefined: not set). */
async function wiring(dev: boolean, devtools?: boolean) {
  const nuxt = await loadNuxt({
    cwd: fixture,
    dev,
    overrides: {
      // nothing of this load lands in the fixture (others build it)
      buildDir: join(scratch, `build-${dev}-${devtools}`),
      devtools: { enabled: false },
      ...devtools === undefined ? {} : { offlineSync: { devtools } },
    },
  })
  try {
    const tabs: { name: string, title?: string, view: { type: string, src?: string } }[] = []
    await nuxt.callHook('devtools:customTabs', tabs as never)
    return {
      tabs,
      plugins: nuxt.options.plugins.map(plugin => typeof plugin === 'string' ? plugin : plugin.src).filter(src => OWN_PLUGIN.test(src)),
      routes: nuxt.options.devServerHandlers.map(handler => handler.route),
    }
  }
  finally {
    await nuxt.close()
  }
}

/** Listens on 127.0.0.1 (a free port); resolves with its URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** An app's dev server with only the panel route; `fn` gets its URL. */
async function withPanelRoute(clientDir: string, devPort: number, fn: (url: string) => Promise<void>): Promise<void> {
  const app = createApp()
  app.use(DEVTOOLS_ROUTE, panelHandler(clientDir, devPort))
  const server = createServer(toNodeListener(app))
  try {
    await fn(await listen(server))
  }
  finally {
    server.close()
  }
}

describe('devtoolsEnabled', () => {
  it('in development unless the option is false; never in a build', () => {
    expect([devtoolsEnabled(true, undefined), devtoolsEnabled(true, true), devtoolsEnabled(true, false)]).toEqual([true, true, false])
    expect([devtoolsEnabled(false, undefined), devtoolsEnabled(false, true)]).toEqual([false, false])
  })
})

describe('the module', () => {
  it('in development adds the tab (an iframe of the panel route), the route and the bridge plugin', async () => {
    const { tabs, plugins, routes } = await wiring(true)
    // the icon is a path of the panel route (DevTools shows it as an image), not an icon set fetched from the internet
    expect(tabs).toEqual([{ name: DEVTOOLS_TAB_NAME, title: 'Offline Sync', icon: `${DEVTOOLS_ROUTE}/icon.svg`, view: { type: 'iframe', src: `${DEVTOOLS_ROUTE}/` } }])
    expect(plugins).toHaveLength(1)
    expect(routes).toContain(DEVTOOLS_ROUTE)
  })

  it('adds none of it with devtools: false, nor in a build', async () => {
    for (const loaded of [await wiring(true, false), await wiring(false)]) {
      expect(loaded.tabs).toEqual([])
      expect(loaded.plugins).toEqual([])
      expect(loaded.routes).not.toContain(DEVTOOLS_ROUTE)
    }
  })
})

describe('the panel route', () => {
  it('serves the built panel, and its index.html for the panel\'s own routes', async () => {
    const built = join(scratch, 'client')
    mkdirSync(join(built, '_nuxt'), { recursive: true })
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>panel</title>')
    writeFileSync(join(built, '_nuxt', 'entry.js'), 'export const panel = 1')
    writeFileSync(join(built, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    await withPanelRoute(built, 1, async (url) => {
      const index = await fetch(`${url}${DEVTOOLS_ROUTE}/`)
      expect([index.status, await index.text()]).toEqual([200, '<!doctype html><title>panel</title>'])
      const asset = await fetch(`${url}${DEVTOOLS_ROUTE}/_nuxt/entry.js`)
      expect([asset.status, await asset.text()]).toEqual([200, 'export const panel = 1'])
      const icon = await fetch(`${url}${DEVTOOLS_ROUTE}/icon.svg`)
      expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml'])
      const route = await fetch(`${url}${DEVTOOLS_ROUTE}/conflicts`)
      expect([route.status, await route.text()]).toEqual([200, '<!doctype html><title>panel</title>'])
    })
  })

  it('without a built panel, proxies to the panel\'s dev server under the same route, or says how to start it', async () => {
    const seen: string[] = []
    const devServer = createServer((req, res) => {
      seen.push(req.url!)
      res.setHeader('content-type', 'text/plain')
      res.end(`dev panel ${req.url}`)
    })
    const devPort = Number(new URL(await listen(devServer)).port)
    const missing = join(scratch, 'not-built')
    try {
      await withPanelRoute(missing, devPort, async (url) => {
        const reply = await fetch(`${url}${DEVTOOLS_ROUTE}/_nuxt/app.js?v=1`)
        expect([reply.status, await reply.text()]).toEqual([200, `dev panel ${DEVTOOLS_ROUTE}/_nuxt/app.js?v=1`])
        expect(seen).toEqual([`${DEVTOOLS_ROUTE}/_nuxt/app.js?v=1`])
      })
    }
    finally {
      devServer.close()
    }
    // the dev server is gone: a 502 that names the port
    await withPanelRoute(missing, devPort, async (url) => {
      const reply = await fetch(`${url}${DEVTOOLS_ROUTE}/`)
      expect(reply.status).toBe(502)
      expect(await reply.text()).toContain(`port ${devPort}`)
    })
  })
})
