import { describe, expect, it } from 'vitest'
import { newId, TIMESTAMP, type Harness } from '../support/harness'

/** Every row of protocol.md's resource table, in both protocol versions. */
export function resourceSuite(harness: () => Harness): void {
  const h = () => harness()
  const insert = async (body: Record<string, unknown>, version: '2.0.0' | '3.0.0' = '2.0.0', table = 'todos') => {
    const reply = await h().request('POST', `/tables/${table}`, { body, version })
    expect(reply.status, reply.text).toBe(201)
    return reply.json
  }

  describe('GET /tables/{t} (list)', () => {
    it('v2 answers a JSON array of items with every system column', async () => {
      const id = newId()
      await insert({ id, text: 'listed', done: false, priority: 2, due: '2024-05-06T07:08:09.123Z', meta: { tags: ['a'] } })
      const reply = await h().request('GET', `/tables/todos?$filter=id eq '${id}'`)
      expect(reply.status).toBe(200)
      expect(Array.isArray(reply.json)).toBe(true)
      const [item] = reply.json
      expect(item).toMatchObject({ id, text: 'listed', done: false, priority: 2, due: '2024-05-06T07:08:09.123Z', meta: { tags: ['a'] }, deleted: false })
      expect(item.createdAt).toMatch(TIMESTAMP)
      expect(item.updatedAt).toMatch(TIMESTAMP)
      expect(typeof item.version).toBe('string')
      expect(Buffer.from(item.version, 'base64').toString('base64')).toBe(item.version)
    })

    it('v2 answers { results, count } with $inlinecount=allpages', async () => {
      const text = newId('count')
      for (let i = 0; i < 3; i++) await insert({ text })
      const reply = await h().request('GET', `/tables/todos?$filter=text eq '${text}'&$top=2&$inlinecount=allpages`)
      expect(reply.status).toBe(200)
      expect(reply.json.count).toBe(3)
      expect(reply.json.results).toHaveLength(2)
    })

    it('v3 answers { items } and adds count with $count=true, without createdAt', async () => {
      const text = newId('v3list')
      for (let i = 0; i < 3; i++) await insert({ text }, '3.0.0')
      const plain = await h().request('GET', `/tables/todos?$filter=text eq '${text}'`, { version: '3.0.0' })
      expect(plain.json.items).toHaveLength(3)
      expect(plain.json).not.toHaveProperty('count')
      expect(plain.json).not.toHaveProperty('nextLink')
      expect(plain.json.items[0]).not.toHaveProperty('createdAt')
      expect(plain.json.items[0].updatedAt).toMatch(TIMESTAMP)
      const counted = await h().request('GET', `/tables/todos?$filter=text eq '${text}'&$count=true&$top=1`, { version: '3.0.0' })
      expect(counted.json.count).toBe(3)
      expect(counted.json.items).toHaveLength(1)
    })

    it('$select sends only the named columns', async () => {
      const text = newId('select')
      await insert({ text, done: true, priority: 1 })
      const reply = await h().request('GET', `/tables/todos?$filter=text eq '${text}'&$select=text,done`)
      expect(reply.json).toEqual([{ text, done: true }])
    })

    it('$orderby sorts, and id breaks ties so the order is total', async () => {
      const text = newId('order')
      const ids = ['c', 'a', 'b'].map(suffix => `${text}-${suffix}`)
      for (const id of ids) await insert({ id, text, priority: 1 })
      await insert({ id: `${text}-z`, text, priority: 0 })
      const asc = await h().request('GET', `/tables/todos?$filter=text eq '${text}'&$orderby=priority desc`)
      expect(asc.json.map((item: { id: string }) => item.id)).toEqual([`${text}-a`, `${text}-b`, `${text}-c`, `${text}-z`])
    })

    it('hides soft-deleted rows unless __includeDeleted=true (name in any case)', async () => {
      const text = newId('deleted')
      const kept = await insert({ text })
      const gone = await insert({ text })
      expect((await h().request('DELETE', `/tables/todos/${gone.id}`)).status).toBe(200)
      const visible = await h().request('GET', `/tables/todos?$filter=text eq '${text}'`)
      expect(visible.json.map((item: { id: string }) => item.id)).toEqual([kept.id])
      for (const name of ['__includeDeleted', '__includedeleted', '__INCLUDEDELETED']) {
        const all = await h().request('GET', `/tables/todos?$filter=text eq '${text}'&${name}=true`)
        expect(all.json.map((item: { id: string }) => item.id).sort()).toEqual([kept.id, gone.id].sort())
      }
      const notTrue = await h().request('GET', `/tables/todos?$filter=text eq '${text}'&__includeDeleted=false`)
      expect(notTrue.json).toHaveLength(1)
    })

    it('reads the stock JS client\'s `?$inlinecount=allpages?__includeDeleted=true` (a second `?`) as both options', async () => {
      const text = newId('stray')
      const kept = await insert({ text })
      const gone = await insert({ text })
      expect((await h().request('DELETE', `/tables/todos/${gone.id}`)).status).toBe(200)

      // Exactly what azure-mobile-apps-client 2.0.1 sends for a query with only includeTotalCount() and includeDeleted().
      const stray = await h().request('GET', '/tables/todos?$inlinecount=allpages?__includeDeleted=true')
      const proper = await h().request('GET', '/tables/todos?$inlinecount=allpages&__includeDeleted=true')
      expect(stray.status, stray.text).toBe(200)
      expect(stray.json).toEqual(proper.json)
      expect(stray.headers.get('link')).toBe(proper.headers.get('link'))
      const all = await h().db.selectFrom('todos').select(eb => eb.fn.countAll().as('count')).executeTakeFirstOrThrow()
      expect(stray.json.count).toBe(Number(all.count))
      const live = await h().request('GET', '/tables/todos?$inlinecount=allpages')
      expect(stray.json.count).toBeGreaterThan(live.json.count)

      // The text after the `?` may hold more pairs; the deleted row comes back, counted.
      const filtered = await h().request('GET', `/tables/todos?$inlinecount=allpages?__includeDeleted=true&$filter=text eq '${text}'`)
      expect(filtered.json.count).toBe(2)
      expect(filtered.json.results.map((item: { id: string, deleted: boolean }) => [item.id, item.deleted]).sort())
        .toEqual([[kept.id, false], [gone.id, true]].sort())
    })

    it('keeps a `?` that starts no `name=value` pair, and an encoded `%3F`, inside the value', async () => {
      const asked = await insert({ text: `${newId('why')}?` })
      const raw = await h().request('GET', `/tables/todos?$filter=text eq '${asked.text}'`)
      expect(raw.status, raw.text).toBe(200)
      expect(raw.json.map((item: { id: string }) => item.id)).toEqual([asked.id])
      const pair = await insert({ text: `${newId('pair')}?__includeDeleted=true` })
      const encoded = await h().request('GET', `/tables/todos?$filter=${encodeURIComponent(`text eq '${pair.text}'`)}`)
      expect(encoded.json.map((item: { id: string }) => item.id)).toEqual([pair.id])
    })
  })

  describe('GET /tables/{t}/{id}', () => {
    it('answers 200 with the item and its version as ETag', async () => {
      const item = await insert({ text: 'one' })
      const reply = await h().request('GET', `/tables/todos/${item.id}`)
      expect(reply.status).toBe(200)
      expect(reply.json).toEqual(item)
      expect(reply.headers.get('etag')).toBe(`"${item.version}"`)
    })

    it('answers 404 with a message for an unknown id', async () => {
      const reply = await h().request('GET', `/tables/todos/${newId('missing')}`)
      expect(reply.status).toBe(404)
      expect(reply.json.error).toMatch(/does not exist/)
    })

    it('a soft-deleted row is 404 in v2, 410 in v3, and 200 with __includeDeleted=true', async () => {
      const item = await insert({ text: 'to delete' })
      await h().request('DELETE', `/tables/todos/${item.id}`)
      expect((await h().request('GET', `/tables/todos/${item.id}`)).status).toBe(404)
      expect((await h().request('GET', `/tables/todos/${item.id}`, { version: '3.0.0' })).status).toBe(410)
      const included = await h().request('GET', `/tables/todos/${item.id}?__includedeleted=true`, { version: '3.0.0' })
      expect(included.status).toBe(200)
      expect(included.json.deleted).toBe(true)
    })
  })

  describe('POST /tables/{t} (insert)', () => {
    it('answers 201 with the stored item and ETag; the server makes a GUID when the body has no id', async () => {
      const reply = await h().request('POST', '/tables/todos', { body: { text: 'new', done: false } })
      expect(reply.status).toBe(201)
      expect(reply.json.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(reply.json).toMatchObject({ text: 'new', done: false, priority: null, due: null, meta: null, deleted: false })
      expect(reply.headers.get('etag')).toBe(`"${reply.json.version}"`)
      expect(reply.json.createdAt).toBe(reply.json.updatedAt)
    })

    it('reads a chunked body (no Content-Length)', async () => {
      const reply = await h().request('POST', '/tables/todos', { chunked: true, body: { text: 'y'.repeat(40 * 1024) } })
      expect(reply.status).toBe(201)
      expect(reply.json.text).toHaveLength(40 * 1024)
    })

    it('keeps a client id; v3 also answers Location', async () => {
      const id = newId('client')
      const reply = await h().request('POST', '/tables/todos', { body: { id, text: 'mine' }, version: '3.0.0' })
      expect(reply.status).toBe(201)
      expect(reply.json.id).toBe(id)
      expect(reply.headers.get('location')).toBe(`${h().url}/tables/todos/${id}`)
    })

    it('an existing id is 409 with the server\'s current item and its ETag, and changes nothing', async () => {
      const item = await insert({ text: 'original' })
      const before = await h().snapshot()
      const reply = await h().request('POST', '/tables/todos', { body: { id: item.id, text: 'duplicate' } })
      expect(reply.status).toBe(409)
      expect(reply.json).toEqual(item)
      expect(reply.headers.get('etag')).toBe(`"${item.version}"`)
      expect(await h().snapshot()).toEqual(before)
    })

    it('tolerates system columns in the body (v3 clients send whole entities) and ignores them', async () => {
      const id = newId('entity')
      const reply = await h().request('POST', '/tables/todos', {
        version: '3.0.0',
        body: { id, text: 'whole', updatedAt: '2000-01-01T00:00:00.000Z', createdAt: '2000-01-01T00:00:00.000Z', version: 'AAAA', deleted: true },
      })
      expect(reply.status).toBe(201)
      expect(reply.json.deleted).toBe(false)
      expect(reply.json.version).not.toBe('AAAA')
      expect(reply.json.updatedAt).not.toBe('2000-01-01T00:00:00.000Z')
    })

    it('stores dates at millisecond precision and JSON values as sent', async () => {
      const deep = JSON.parse(`${'['.repeat(99)}{"end":true}${']'.repeat(99)}`)
      const values = [{ a: [1, 'x', null] }, ['list', 2], 'a string', 12.5, true, deep]
      for (const meta of values) {
        const item = await insert({ meta, due: '2024-02-03T04:05:06.7891234+01:00' })
        expect(item.meta).toEqual(meta)
        expect(item.due).toBe('2024-02-03T03:05:06.789Z')
      }
    })
  })

  describe('PATCH /tables/{t}/{id} (v2 merge update)', () => {
    it('changes only the columns sent, with a new version and a later updatedAt', async () => {
      const item = await insert({ text: 'patch me', done: false, priority: 3 })
      const reply = await h().request('PATCH', `/tables/todos/${item.id}`, { body: { done: true }, headers: { 'If-Match': `"${item.version}"` } })
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({ id: item.id, text: 'patch me', done: true, priority: 3 })
      expect(reply.json.version).not.toBe(item.version)
      expect(reply.json.updatedAt > item.updatedAt).toBe(true)
      expect(reply.json.createdAt).toBe(item.createdAt)
      expect(reply.headers.get('etag')).toBe(`"${reply.json.version}"`)
    })

    it('If-Match mismatch is 412 with the server\'s item and ETag, and writes nothing', async () => {
      const item = await insert({ text: 'guarded' })
      const before = await h().snapshot()
      const reply = await h().request('PATCH', `/tables/todos/${item.id}`, { body: { text: 'lost' }, headers: { 'If-Match': '"stale"' } })
      expect(reply.status).toBe(412)
      expect(reply.json).toEqual(item)
      expect(reply.headers.get('etag')).toBe(`"${item.version}"`)
      expect(await h().snapshot()).toEqual(before)
    })

    it('If-Match: * matches any version', async () => {
      const item = await insert({ text: 'star' })
      const reply = await h().request('PATCH', `/tables/todos/${item.id}`, { body: { text: 'starred' }, headers: { 'If-Match': '*' } })
      expect(reply.status).toBe(200)
      expect(reply.json.text).toBe('starred')
    })

    it('a v2 body version without If-Match is checked: 409 with the server\'s item on mismatch, 200 on match', async () => {
      const item = await insert({ text: 'body version' })
      const stale = await h().request('PATCH', `/tables/todos/${item.id}`, { body: { text: 'x', version: 'c3RhbGU=' } })
      expect(stale.status).toBe(409)
      expect(stale.json).toEqual(item)
      const fresh = await h().request('PATCH', `/tables/todos/${item.id}`, { body: { text: 'y', version: item.version, updatedAt: item.updatedAt } })
      expect(fresh.status).toBe(200)
      expect(fresh.json.text).toBe('y')
    })

    it('answers 404 for an unknown id and for a soft-deleted row', async () => {
      expect((await h().request('PATCH', `/tables/todos/${newId('nope')}`, { body: { text: 'x' } })).status).toBe(404)
      const item = await insert({ text: 'deleted' })
      await h().request('DELETE', `/tables/todos/${item.id}`)
      expect((await h().request('PATCH', `/tables/todos/${item.id}`, { body: { text: 'x' } })).status).toBe(404)
    })
  })

  describe('PUT /tables/{t}/{id} (v3 replace)', () => {
    it('replaces the whole entity: absent user columns become null; system columns in the body are ignored', async () => {
      const item = await insert({ text: 'replace me', done: true, priority: 5 }, '3.0.0')
      const reply = await h().request('PUT', `/tables/todos/${item.id}`, {
        version: '3.0.0',
        body: { ...item, text: 'replaced', priority: undefined, updatedAt: '2000-01-01T00:00:00.000Z' },
        headers: { 'If-Match': `"${item.version}"` },
      })
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({ id: item.id, text: 'replaced', done: true, priority: null })
      expect(reply.json.updatedAt > item.updatedAt).toBe(true)
    })

    it('If-Match mismatch is 412 with the server\'s item; a body version alone is not a condition in v3', async () => {
      const item = await insert({ text: 'v3 guarded' }, '3.0.0')
      const stale = await h().request('PUT', `/tables/todos/${item.id}`, { version: '3.0.0', body: { text: 'no' }, headers: { 'If-Match': '"c3RhbGU="' } })
      expect(stale.status).toBe(412)
      expect(stale.json).toEqual(item)
      const bodyOnly = await h().request('PUT', `/tables/todos/${item.id}`, { version: '3.0.0', body: { text: 'yes', version: 'c3RhbGU=' } })
      expect(bodyOnly.status).toBe(200)
    })

    it('a soft-deleted row is 410; undelete is PUT deleted:false with __includedeleted=true', async () => {
      const item = await insert({ text: 'v3 undelete' }, '3.0.0')
      expect((await h().request('DELETE', `/tables/todos/${item.id}`, { version: '3.0.0' })).status).toBe(204)
      expect((await h().request('PUT', `/tables/todos/${item.id}`, { version: '3.0.0', body: { text: 'back' } })).status).toBe(410)
      const back = await h().request('PUT', `/tables/todos/${item.id}?__includedeleted=true`, { version: '3.0.0', body: { text: 'back', deleted: false } })
      expect(back.status).toBe(200)
      expect(back.json).toMatchObject({ text: 'back', deleted: false })
    })
  })

  describe('DELETE /tables/{t}/{id}', () => {
    it('v2 soft delete answers 200 with the deleted item (deleted: true, new version and updatedAt)', async () => {
      const item = await insert({ text: 'delete v2' })
      const reply = await h().request('DELETE', `/tables/todos/${item.id}`, { headers: { 'If-Match': `"${item.version}"` } })
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({ id: item.id, text: 'delete v2', deleted: true })
      expect(reply.json.version).not.toBe(item.version)
      expect(reply.json.updatedAt > item.updatedAt).toBe(true)
      expect(reply.headers.get('etag')).toBe(`"${reply.json.version}"`)
      const stored = await h().db.selectFrom('todos').select(['deleted']).where('id', '=', item.id).executeTakeFirstOrThrow()
      expect(stored.deleted).toBe(true)
    })

    it('v3 answers 204 without a body; deleting again is 410 (v3) / 404 (v2)', async () => {
      const item = await insert({ text: 'delete v3' }, '3.0.0')
      const reply = await h().request('DELETE', `/tables/todos/${item.id}`, { version: '3.0.0' })
      expect(reply.status).toBe(204)
      expect(reply.text).toBe('')
      expect((await h().request('DELETE', `/tables/todos/${item.id}`, { version: '3.0.0' })).status).toBe(410)
      expect((await h().request('DELETE', `/tables/todos/${item.id}`)).status).toBe(404)
    })

    it('If-Match mismatch is 412 with the server\'s item and deletes nothing', async () => {
      const item = await insert({ text: 'keep me' })
      const reply = await h().request('DELETE', `/tables/todos/${item.id}`, { headers: { 'If-Match': '"c3RhbGU="' } })
      expect(reply.status).toBe(412)
      expect(reply.json).toEqual(item)
      expect((await h().request('GET', `/tables/todos/${item.id}`)).json).toEqual(item)
    })

    it('removes the row on a table without soft delete', async () => {
      const item = await insert({ text: 'hard' }, '2.0.0', 'hard')
      const reply = await h().request('DELETE', `/tables/hard/${item.id}`)
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({ id: item.id, deleted: false })
      expect(await h().db.selectFrom('hard').selectAll().where('id', '=', item.id).execute()).toEqual([])
      expect((await h().request('GET', `/tables/hard/${item.id}?__includeDeleted=true`)).status).toBe(404)
    })
  })

  describe('POST /tables/{t}/{id} (v2 undelete)', () => {
    it('undeletes with a new version and updatedAt; 412 on If-Match mismatch; 404 for an unknown id', async () => {
      const item = await insert({ text: 'undelete me' })
      const deleted = (await h().request('DELETE', `/tables/todos/${item.id}`)).json
      expect((await h().request('POST', `/tables/todos/${item.id}`, { headers: { 'If-Match': '"c3RhbGU="' } })).status).toBe(412)
      const reply = await h().request('POST', `/tables/todos/${item.id}`, { headers: { 'If-Match': `"${deleted.version}"` } })
      expect(reply.status).toBe(200)
      expect(reply.json).toMatchObject({ id: item.id, text: 'undelete me', deleted: false })
      expect(reply.json.updatedAt > deleted.updatedAt).toBe(true)
      expect(reply.headers.get('etag')).toBe(`"${reply.json.version}"`)
      expect((await h().request('POST', `/tables/todos/${newId('unknown')}`)).status).toBe(404)
    })

    it('v3 has no undelete route: 405', async () => {
      const item = await insert({ text: 'v3 post' }, '3.0.0')
      const reply = await h().request('POST', `/tables/todos/${item.id}`, { version: '3.0.0' })
      expect(reply.status).toBe(405)
      expect(reply.json).toEqual({ error: 'POST is not supported on this URL' })
    })
  })

  describe('headers', () => {
    it('table responses carry Cache-Control: no-store and CORS exposing ETag and Link', async () => {
      for (const path of ['/tables/todos', `/tables/todos/${newId('x')}`, '/tables/unknown']) {
        const reply = await h().request('GET', path)
        expect(reply.headers.get('cache-control')).toBe('no-store')
        expect(reply.headers.get('access-control-allow-origin')).toBe('*')
        expect(reply.headers.get('access-control-expose-headers')).toMatch(/ETag.*Link|Link.*ETag/)
      }
    })

    it('a CORS preflight needs no ZUMO-API-VERSION and allows the protocol\'s methods and headers', async () => {
      const reply = await h().request('OPTIONS', '/tables/todos/abc', {
        version: null,
        headers: { 'Origin': 'http://example.test', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'if-match, zumo-api-version' },
      })
      expect(reply.status).toBe(204)
      expect(reply.headers.get('access-control-allow-methods')).toContain('PATCH')
      expect(reply.headers.get('access-control-allow-headers')).toContain('if-match')
    })

    it('accepts ZUMO-API-VERSION as a query parameter in any case', async () => {
      const reply = await h().request('GET', '/tables/todos?$top=1&zumo-api-version=3.0.0', { version: null })
      expect(reply.status).toBe(200)
      expect(reply.json).toHaveProperty('items')
      const upper = await h().request('GET', '/tables/todos?$top=1&ZUMO-API-VERSION=2.0.0', { version: null })
      expect(Array.isArray(upper.json)).toBe(true)
    })
  })
}
