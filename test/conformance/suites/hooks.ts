import { createError } from 'h3'
import { afterEach, describe, expect, it } from 'vitest'
import type { Harness } from '../support/harness'

/** The runtime hooks: authorise, filter, transform or refuse a write, settle a conflict on the server. */
export function hooksSuite(harness: () => Harness): void {
  const h = () => harness()
  const unhooks: Array<() => void> = []
  afterEach(() => {
    while (unhooks.length) unhooks.pop()!()
  })
  const insert = async (body: Record<string, unknown>) => {
    const reply = await h().request('POST', '/tables/guarded', { body })
    expect(reply.status, reply.text).toBe(201)
    return reply.json
  }

  describe('offline-sync:authorize', () => {
    it('access "authenticated" answers 401 without a user, "denied" 403, per operation', async () => {
      unhooks.push(h().hooks.hook('offline-sync:authorize', (ctx) => {
        if (ctx.table !== 'guarded') return
        if (ctx.operation === 'delete') ctx.access = 'denied'
        else if (ctx.operation !== 'read') ctx.access = 'authenticated'
      }))
      expect((await h().request('GET', '/tables/guarded')).status).toBe(200)
      const anonymous = await h().request('POST', '/tables/guarded', { body: { text: 'x' } })
      expect(anonymous.status).toBe(401)
      const created = await h().request('POST', '/tables/guarded', { user: 'carol', body: { text: 'x' } })
      expect(created.status).toBe(201)
      const denied = await h().request('DELETE', `/tables/guarded/${created.json.id}`, { user: 'carol' })
      expect(denied.status).toBe(403)
      expect(denied.json.error).toMatch(/not allowed/)
      expect((await h().request('GET', `/tables/guarded/${created.json.id}`)).json.deleted).toBe(false)
    })

    it('a body deleted flag is also a delete / undelete: their rules apply to PATCH and PUT too', async () => {
      const live = await insert({ text: 'live' })
      const gone = await insert({ text: 'gone' })
      expect((await h().request('DELETE', `/tables/guarded/${gone.id}`)).status).toBe(200)
      unhooks.push(h().hooks.hook('offline-sync:authorize', (ctx) => {
        if (ctx.table === 'guarded' && (ctx.operation === 'delete' || ctx.operation === 'undelete')) ctx.access = 'denied'
      }))
      const before = await h().snapshot()
      const replies = [
        await h().request('PATCH', `/tables/guarded/${live.id}`, { body: { deleted: true } }),
        await h().request('PUT', `/tables/guarded/${live.id}`, { version: '3.0.0', body: { ...live, deleted: true } }),
        await h().request('PATCH', `/tables/guarded/${gone.id}?__includeDeleted=true`, { body: { deleted: false } }),
        await h().request('PUT', `/tables/guarded/${gone.id}?__includedeleted=true`, { version: '3.0.0', body: { text: 'back', deleted: false } }),
      ]
      expect(replies.map(reply => reply.status)).toEqual([403, 403, 403, 403])
      expect(await h().snapshot()).toEqual(before)
      const update = await h().request('PUT', `/tables/guarded/${live.id}`, { version: '3.0.0', body: { ...live, text: 'still live', deleted: false } })
      expect(update.status, update.text).toBe(200)
      expect(update.json).toMatchObject({ text: 'still live', deleted: false })
    })

    it('a hook may throw its own 401/403 with a message', async () => {
      unhooks.push(h().hooks.hook('offline-sync:authorize', (ctx) => {
        if (ctx.table === 'guarded') throw createError({ statusCode: 403, message: 'Guarded is closed today' })
      }))
      const reply = await h().request('GET', '/tables/guarded')
      expect(reply.status).toBe(403)
      expect(reply.json).toEqual({ error: 'Guarded is closed today' })
    })
  })

  describe('offline-sync:filter', () => {
    it('confines reads and the targets of writes: filtered rows are 404', async () => {
      const open = await insert({ text: 'open', secret: false })
      const hidden = await insert({ text: 'hidden', secret: true })
      unhooks.push(h().hooks.hook('offline-sync:filter', (ctx) => {
        if (ctx.table === 'guarded') ctx.filters.push(eb => eb('secret', 'is not', true))
      }))
      const list = await h().request('GET', `/tables/guarded?$filter=${encodeURIComponent(`id eq '${open.id}' or id eq '${hidden.id}'`)}`)
      expect(list.json.map((item: { id: string }) => item.id)).toEqual([open.id])
      expect((await h().request('GET', `/tables/guarded/${hidden.id}`)).status).toBe(404)
      expect((await h().request('PATCH', `/tables/guarded/${hidden.id}`, { body: { text: 'x' } })).status).toBe(404)
      expect((await h().request('DELETE', `/tables/guarded/${hidden.id}`)).status).toBe(404)
      expect((await h().request('POST', '/tables/guarded', { body: { id: hidden.id } })).status).toBe(404)
      expect((await h().request('POST', '/tables/guarded', { body: { id: open.id } })).status).toBe(409)
    })
  })

  describe('offline-sync:filter of delete', () => {
    it('also confines a PATCH that deletes', async () => {
      const hidden = await insert({ text: 'only updatable', secret: true })
      unhooks.push(h().hooks.hook('offline-sync:filter', (ctx) => {
        if (ctx.table === 'guarded' && ctx.operation === 'delete') ctx.filters.push(eb => eb('secret', 'is not', true))
      }))
      expect((await h().request('PATCH', `/tables/guarded/${hidden.id}`, { body: { deleted: true } })).status).toBe(404)
      const updated = await h().request('PATCH', `/tables/guarded/${hidden.id}`, { body: { text: 'updated' } })
      expect(updated.json).toMatchObject({ text: 'updated', deleted: false })
    })
  })

  describe('offline-sync:before-write', () => {
    it('transforms the item before it is stored', async () => {
      unhooks.push(h().hooks.hook('offline-sync:before-write', (ctx) => {
        if (ctx.table === 'guarded' && (ctx.operation === 'insert' || ctx.operation === 'update')) {
          if (typeof ctx.item.text === 'string') ctx.item.text = ctx.item.text.toUpperCase()
          ctx.item.status = `${ctx.operation}d`
        }
      }))
      const created = await insert({ text: 'shout' })
      expect(created).toMatchObject({ text: 'SHOUT', status: 'insertd' })
      const updated = await h().request('PATCH', `/tables/guarded/${created.id}`, { body: { text: 'again' } })
      expect(updated.json).toMatchObject({ text: 'AGAIN', status: 'updated' })
    })

    it('refuses a write with the hook\'s status and message, writing nothing', async () => {
      const item = await insert({ text: 'stay' })
      const other = await insert({ text: 'other' })
      unhooks.push(h().hooks.hook('offline-sync:before-write', (ctx) => {
        if (ctx.table !== 'guarded') return
        if (ctx.operation === 'insert' && ctx.item.text === 'bad') throw createError({ statusCode: 400, message: 'text may not be "bad"' })
        if (ctx.operation === 'update' && ctx.existing?.text === 'stay') throw createError({ statusCode: 403, message: 'this row is frozen' })
        if (ctx.operation === 'delete') throw createError({ statusCode: 403, message: 'no deleting' })
      }))
      const before = await h().snapshot()
      const insertReply = await h().request('POST', '/tables/guarded', { body: { text: 'bad' } })
      expect(insertReply.status).toBe(400)
      expect(insertReply.json.error).toBe('text may not be "bad"')
      const updateReply = await h().request('PATCH', `/tables/guarded/${item.id}`, { body: { text: 'moved' } })
      expect(updateReply.status).toBe(403)
      expect(updateReply.json.error).toBe('this row is frozen')
      expect((await h().request('DELETE', `/tables/guarded/${item.id}`)).status).toBe(403)
      expect((await h().request('PATCH', `/tables/guarded/${other.id}`, { body: { deleted: true } })).json).toEqual({ error: 'no deleting' })
      expect(await h().snapshot()).toEqual(before)
    })

    it('a hook that writes a value of the wrong type gets a 400 naming the column', async () => {
      unhooks.push(h().hooks.hook('offline-sync:before-write', (ctx) => {
        if (ctx.table === 'guarded') ctx.item.secret = 'yes'
      }))
      const reply = await h().request('POST', '/tables/guarded', { body: { text: 'x' } })
      expect(reply.status).toBe(400)
      expect(reply.json.error).toMatch(/secret/)
    })
  })

  describe('offline-sync:conflict', () => {
    it('without a resolution the client gets 412 with the server\'s item', async () => {
      let seen: unknown
      unhooks.push(h().hooks.hook('offline-sync:conflict', (ctx) => {
        seen = { operation: ctx.operation, server: ctx.server.text, client: ctx.client?.text }
      }))
      const item = await insert({ text: 'server' })
      const reply = await h().request('PATCH', `/tables/guarded/${item.id}`, { body: { text: 'client' }, headers: { 'If-Match': '"old"' } })
      expect(reply.status).toBe(412)
      expect(seen).toEqual({ operation: 'update', server: 'server', client: 'client' })
    })

    it('"client" applies the request anyway (client wins)', async () => {
      unhooks.push(h().hooks.hook('offline-sync:conflict', (ctx) => {
        if (ctx.table === 'guarded') ctx.resolution = 'client'
      }))
      const item = await insert({ text: 'server' })
      const reply = await h().request('PATCH', `/tables/guarded/${item.id}`, { body: { text: 'client' }, headers: { 'If-Match': '"old"' } })
      expect(reply.status).toBe(200)
      expect(reply.json.text).toBe('client')
      const removed = await h().request('DELETE', `/tables/guarded/${item.id}`, { headers: { 'If-Match': '"old"' } })
      expect(removed.status).toBe(200)
      expect(removed.json.deleted).toBe(true)
    })

    it('an item is stored instead (merge on the server) and answered as the result', async () => {
      unhooks.push(h().hooks.hook('offline-sync:conflict', (ctx) => {
        if (ctx.table === 'guarded') ctx.resolution = { ...ctx.server, text: `${ctx.server.text}+${ctx.client?.text}`, version: 'ignored' }
      }))
      const item = await insert({ text: 'server', status: 'kept' })
      const reply = await h().request('PATCH', `/tables/guarded/${item.id}`, { body: { text: 'client' }, headers: { 'If-Match': '"old"' } })
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({ text: 'server+client', status: 'kept' })
      expect(reply.json.version).not.toBe(item.version)
      expect((await h().request('GET', `/tables/guarded/${item.id}`)).json).toEqual(reply.json)
    })
  })
}
