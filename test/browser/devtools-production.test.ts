import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVTOOLS_ROUTE } from '../../src/runtime/devtools/contract'
import { finish, freePort, nuxi, PLAYGROUND, ROOT, run, writeLayer, type Child } from './support/nuxi'
import { BRIDGE_MARKERS, filesUnder, findMarkers, PANEL_MARKERS } from './support/panel-markers'

// `nuxi build` of the playground as a developer runs it (the DevTools on in its config), into a temporary folder: a
// layer moves its build and output folders there, so the playground's own .nuxt and .output are left alone.
const work = mkdtempSync(join(tmpdir(), 'offline-sync-production-'))
const output = join(work, 'output')

let server: Child | undefined
beforeAll(async () => {
  const layer = writeLayer(work, { buildDir: join(work, '.nuxt'), nitro: { output: { dir: output } } })
  await finish(nuxi(['build', PLAYGROUND, '--extends', layer]), 'nuxi build playground', 240_000)
})
afterAll(async () => {
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('a production build of the playground', () => {
  it('contains no DevTools panel code and none of its bookkeeping, in the client or the server', () => {
    // it did build an app: a client and a server
    expect(filesUnder(join(output, 'public')).some(path => path.endsWith('.js'))).toBe(true)
    expect(filesUnder(join(output, 'server')).some(path => path.endsWith('.mjs'))).toBe(true)
    expect(findMarkers(output)).toEqual({})
  })

  it('looks for strings the app\'s development-only code carries (the check above is not vacuous)', () => {
    // in the runtime code itself, not only in the contract's comments and types (devtools.test.ts checks that the
    // development app loads them, and that it serves the panel's route)
    const runtime = join(ROOT, 'src/runtime')
    const found = findMarkers(runtime, BRIDGE_MARKERS, path => path !== join('devtools', 'contract.ts'))
    for (const marker of BRIDGE_MARKERS) expect(found[marker], marker).toBeDefined()
  })

  it('serves the app, but no panel', async () => {
    const port = await freePort()
    server = run(process.execPath, [join(output, 'server/index.mjs')], {
      PORT: String(port), HOST: '127.0.0.1', NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: 'memory://',
    })
    const url = `http://127.0.0.1:${port}`
    await expect.poll(() => fetch(url).then(response => response.status, () => 0), { timeout: 30_000 }).toBe(200)
    const panel = await fetch(`${url}${DEVTOOLS_ROUTE}/`)
    expect(panel.status).toBe(404)
    const html = await (await fetch(url)).text()
    for (const marker of PANEL_MARKERS) expect(html).not.toContain(marker)
  })
})
