// The module's runtime hooks (`offline-sync:request`, `offline-sync:conflict`), the sync status of a stopped push
// and the server plugin, against a REAL table server of this package started before the Nuxt app starts.
import 'fake-indexeddb/auto'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createError, getRequestHeader } from 'h3'
import { useNuxtApp } from '#imports'
import { useSyncTable } from '../../src/runtime/composables/useSyncTable'
import { useSyncStore } from '../../src/runtime/stores/useSyncStore'
import type { SyncContext } from '../../src/runtime/core/sync/context'
import type { SyncClient } from '../../src/runtime/core/sync-client'
import serverPlugin from '../../src/runtime/plugins/offline-sync.server'
import { startHarness } from '../conformance/support/harness'
import { clearLocalStore, FIXTURE_TABLES, useBackend } from './helpers'

const harness = await startHarness('embedded', { tables: FIXTURE_TABLES })
afterAll(() => harness.close())
useBackend(`${harness.url}/tables`)

/** What the server saw: each request's `x-zumo-auth`; with `requireToken`, a request without `secret` is a 401. */
const seen: { method: string, token: string | undefined }[] = []
let requireToken = false
harness.hooks.hook('offline-sync:authenticate', (ctx) => {
  const token = getRequestHeader(ctx.event, 'x-zumo-auth')
  seen.push({ method: ctx.event.method, token })
  if (requireToken && token !== 'secret') throw createError({ statusCode: 401, message: 'who are you?' })
})

const unhooks: (() => void)[] = []
beforeEach(async () => {
  await clearLocalStore()
  seen.length = 0
  useSyncStore().$dispose()
  delete useNuxtApp().$pinia.state.value['offline-sync']
})
afterEach(async () => {
  requireToken = false
  for (const unhook of unhooks.splice(0)) unhook()
  // one good sync settles every failure of the test, so no scheduled retry reaches into the next one
  await useSyncStore().sync().catch(() => {})
})

async function serverTodo(id: string): Promise<Record<string, unknown> | undefined> {
  const reply = await harness.request('GET', `/tables/todos/${id}`, { headers: { 'x-zumo-auth': 'secret' } })
  return reply.status === 200 ? reply.json : undefined
}

describe('offline-sync:request', () => {
  it('adds the auth header the server asks for; without it the push stops and keeps the queue', async () => {
    requireToken = true
    const sync = useSyncStore()
    const row = await useSyncTable('todos').insert({ text: 'authenticated', done: false })

    const refused = await sync.push()
    expect(refused.stopped?.reason).toBe('authentication')
    expect(sync.lastError).toMatchObject({ name: 'AuthenticationError', code: 'AUTHENTICATION', status: 401 })
    expect(sync.lastPush?.result.stopped).toMatchObject({ reason: 'authentication', error: { code: 'AUTHENTICATION' } })
    await expect.poll(() => sync.pendingCount).toBe(1)

    const requests: { method: string, url: string }[] = []
    unhooks.push(useNuxtApp().hook('offline-sync:request', (ctx) => {
      requests.push({ method: ctx.method, url: ctx.url })
      ctx.headers['X-ZUMO-AUTH'] = 'secret'
    }))
    expect((await sync.push()).pushed).toBe(1)
    // refused without a token (the scheduled retry may have tried once more), accepted with the hook's
    const posts = seen.filter(s => s.method === 'POST').map(s => s.token)
    expect(posts[0]).toBeUndefined()
    expect(posts.at(-1)).toBe('secret')
    // the full URL: the table's, or the batch endpoint's when the server announced one
    expect(requests).toContainEqual({ method: 'POST', url: expect.stringMatching(new RegExp(`^${harness.url}/tables/(todos|\\$batch)$`)) })
    expect(await serverTodo(row.id)).toMatchObject({ text: 'authenticated' })
    expect(sync.lastError).toBeUndefined()
  })

  it('may point a request elsewhere: an unreachable URL stops the push (network), schedules a retry and loses nothing', async () => {
    const sync = useSyncStore()
    const row = await useSyncTable('todos').insert({ text: 'later', done: false })
    const unhook = useNuxtApp().hook('offline-sync:request', (ctx) => {
      // port 9 (discard) on loopback: nothing listens there, the connection is refused
      ctx.url = ctx.url.replace(harness.url, 'http://127.0.0.1:9')
    })
    unhooks.push(unhook)
    const stopped = await sync.push()
    expect(stopped.stopped?.reason).toBe('network')
    expect(sync.lastError?.code).toBe('NETWORK')
    expect(sync.nextRetryAt).toEqual(expect.any(Number))
    expect(seen).toEqual([])
    expect(JSON.parse(JSON.stringify(sync.$state))).toEqual(sync.$state)

    unhook()
    // the scheduled retry or this call: either pushes it; a good push and pull end the backoff
    await sync.sync()
    await expect.poll(() => serverTodo(row.id)).toMatchObject({ text: 'later' })
    expect(sync.nextRetryAt).toBeUndefined()
    expect(sync.lastError).toBeUndefined()
  })

  it('a hook that throws fails the request like the network: the push stops, the queue stays', async () => {
    const sync = useSyncStore()
    await useSyncTable('todos').insert({ text: 'no token yet', done: false })
    unhooks.push(useNuxtApp().hook('offline-sync:request', () => {
      throw new Error('token refresh failed')
    }))
    const result = await sync.push()
    expect(result.stopped?.reason).toBe('network')
    expect(sync.lastError?.message).toContain('token refresh failed')
    expect(seen).toEqual([])
    await expect.poll(() => sync.pendingCount).toBe(1)
  })
})

describe('offline-sync:conflict', () => {
  async function conflicted(text: string) {
    const todos = useSyncTable('todos')
    const row = await todos.insert({ text, done: false })
    await useSyncStore().push()
    await harness.request('PATCH', `/tables/todos/${row.id}`, { body: { text: `${text} (server)` } })
    await todos.update({ id: row.id, text: `${text} (mine)` })
    return row.id
  }

  it('a hook that sets ctx.resolution settles the conflict during the push', async () => {
    const sync = useSyncStore()
    const id = await conflicted('merge me')
    const offered: unknown[] = []
    unhooks.push(useNuxtApp().hook('offline-sync:conflict', (ctx) => {
      offered.push([ctx.conflict.itemId, ctx.conflict.serverItem?.text, ctx.conflict.clientItem?.text])
      ctx.resolution = { choice: 'merge', item: { ...ctx.conflict.clientItem, text: `${ctx.conflict.serverItem?.text} + ${ctx.conflict.clientItem?.text}` } }
    }))
    const result = await sync.push()
    expect(offered).toEqual([[id, 'merge me (server)', 'merge me (mine)']])
    expect(result).toMatchObject({ pushed: 1, conflicts: [] })
    expect(await serverTodo(id)).toMatchObject({ text: 'merge me (server) + merge me (mine)' })
    await expect.poll(() => sync.pendingCount).toBe(0)
    expect(sync.conflicts).toEqual([])
  })

  it('a hook that leaves it unset keeps the conflict for the user', async () => {
    const sync = useSyncStore()
    const id = await conflicted('keep me')
    let calls = 0
    unhooks.push(useNuxtApp().hook('offline-sync:conflict', () => {
      calls += 1
    }))
    await sync.push()
    expect(calls).toBe(1)
    await expect.poll(() => sync.conflicts.map(c => c.itemId)).toEqual([id])
    expect(await serverTodo(id)).toMatchObject({ text: 'keep me (server)' })
  })
})

describe('the server plugin', () => {
  it('gives an offline context that never sends: sync calls reject with OfflineError', async () => {
    const nuxtApp = useNuxtApp()
    const provided = await nuxtApp.runWithContext(() => serverPlugin(nuxtApp)) as { provide: { offlineSync: SyncClient, offlineSyncContext: SyncContext } }
    const { offlineSync: client, offlineSyncContext: context } = provided.provide
    // its own in-memory store, not the browser's
    expect(client).not.toBe(nuxtApp.$offlineSync)
    await client.table('todos').insert({ text: 'rendered on the server' })

    await expect(context.push()).rejects.toMatchObject({ code: 'OFFLINE' })
    await expect(context.pull('todos', 'openTodos')).rejects.toMatchObject({ code: 'OFFLINE' })
    await expect(context.sync()).rejects.toMatchObject({ code: 'OFFLINE' })
    await expect(context.pullAll()).rejects.toMatchObject({ code: 'OFFLINE' })
    expect(context.status()).toMatchObject({ online: false, activity: { kind: 'idle' } })
    expect(seen).toEqual([])
    expect(await client.pendingCount()).toBe(1)
  })
})
