import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fetch, setup } from '@nuxt/test-utils/e2e'
import { afterAll, describe, expect, it } from 'vitest'

const dataDir = await mkdtemp(join(tmpdir(), 'offline-sync-fixture-'))
const database = join(dataDir, 'db')

// The module's Nitro wiring in a built Nuxt app: routes, plugin, runtime config, and the embedded default database.
describe('the module in a Nuxt app (test/fixtures/server)', async () => {
  await setup({
    rootDir: fileURLToPath(new URL('../fixtures/server', import.meta.url)),
    server: true,
    browser: false,
    env: { NUXT_OFFLINE_SYNC_DATABASE_DATA_DIR: database, NUXT_OFFLINE_SYNC_DATABASE_URL: '', DATABASE_URL: '' },
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  const call = (method: string, path: string, body?: unknown, version = '2.0.0') => fetch(path, {
    method,
    headers: { 'ZUMO-API-VERSION': version, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

  it('serves the declared tables on the embedded database, persisted to a folder', async () => {
    const created = await call('POST', '/tables/todoitem', { id: 'nuxt-1', text: 'from Nuxt', complete: false, due: '2024-01-02T03:04:05.006Z' })
    expect(created.status).toBe(201)
    expect(created.headers.get('etag')).toMatch(/^".+"$/)
    const item = await created.json()
    expect(item).toMatchObject({ id: 'nuxt-1', text: 'from Nuxt', complete: false, due: '2024-01-02T03:04:05.006Z', deleted: false })

    const patched = await call('PATCH', '/tables/todoitem/nuxt-1', { complete: true })
    expect((await patched.json()).complete).toBe(true)
    const listed = await call('GET', '/tables/todoitem?$filter=complete eq true', undefined, '3.0.0')
    expect((await listed.json()).items.map((row: { id: string }) => row.id)).toEqual(['nuxt-1'])
    expect(existsSync(join(database, 'PG_VERSION'))).toBe(true)
  })

  it('routes POST /tables/$batch to the batch push and announces it on table responses', async () => {
    const listed = await call('GET', '/tables/todoitem')
    expect(listed.headers.get('x-offline-sync-batch')).toBe('500')
    const reply = await call('POST', '/tables/$batch', {
      operations: [
        { table: 'todoitem', kind: 'insert', id: 'nuxt-batch', item: { text: 'batched' } },
        { table: 'todoitem', kind: 'update', id: 'nuxt-batch', item: { complete: true } },
      ],
    })
    expect(reply.status).toBe(200)
    expect(reply.headers.get('x-offline-sync-batch')).toBe('500')
    const { results } = await reply.json()
    expect(results.map((result: { status: number }) => result.status)).toEqual([201, 200])
    expect(results[1].item).toMatchObject({ id: 'nuxt-batch', text: 'batched', complete: true })
  })

  it('answers protocol errors with status and message, and CORS preflights', async () => {
    const missingVersion = await fetch('/tables/todoitem')
    expect(missingVersion.status).toBe(400)
    expect((await missingVersion.json()).error).toMatch(/ZUMO-API-VERSION/)
    const unknown = await call('GET', '/tables/nothing')
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('cache-control')).toBe('no-store')
    const preflight = await fetch('/tables/todoitem/nuxt-1', { method: 'OPTIONS', headers: { 'Origin': 'http://elsewhere.test', 'Access-Control-Request-Method': 'DELETE' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE')
  })
})
