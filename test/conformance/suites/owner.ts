import { describe, expect, it } from 'vitest'
import { newId, type Harness } from '../support/harness'

/** `owner` tables: user A can neither read, change, delete nor detect the content of user B's rows. */
export function ownerSuite(harness: () => Harness): void {
  const h = () => harness()

  describe('owner column', () => {
    it('stamps the caller\'s id on insert, whatever the body says', async () => {
      const reply = await h().request('POST', '/tables/notes', { user: 'alice', body: { text: 'mine', userId: 'mallory' } })
      expect(reply.status).toBe(201)
      expect(reply.json.userId).toBe('alice')
    })

    it('requires a user: 401 without one', async () => {
      const reply = await h().request('GET', '/tables/notes')
      expect(reply.status).toBe(401)
      expect(reply.json.error).toMatch(/logged in/)
      expect((await h().request('POST', '/tables/notes', { body: { text: 'anonymous' } })).status).toBe(401)
    })

    it('isolates users: B cannot list, read, update, delete, undelete or detect A\'s row', async () => {
      const id = newId('alice')
      const created = await h().request('POST', '/tables/notes', { user: 'alice', body: { id, text: 'private' } })
      expect(created.status).toBe(201)
      const item = created.json
      const before = await h().snapshot()

      const list = await h().request('GET', `/tables/notes?$filter=${encodeURIComponent(`id eq '${id}' or userId eq 'alice'`)}&__includeDeleted=true&$inlinecount=allpages`, { user: 'bob' })
      expect(list.json).toEqual({ results: [], count: 0 })
      const refusals = [
        await h().request('GET', `/tables/notes/${id}`, { user: 'bob' }),
        await h().request('GET', `/tables/notes/${id}?__includeDeleted=true`, { user: 'bob' }),
        await h().request('PATCH', `/tables/notes/${id}`, { user: 'bob', body: { text: 'mine now' } }),
        await h().request('PATCH', `/tables/notes/${id}`, { user: 'bob', body: { text: 'x' }, headers: { 'If-Match': '"wrong"' } }),
        await h().request('PATCH', `/tables/notes/${id}`, { user: 'bob', body: { text: 'x', version: 'wrong' } }),
        await h().request('PUT', `/tables/notes/${id}`, { user: 'bob', version: '3.0.0', body: { text: 'x' }, headers: { 'If-Match': `"${item.version}"` } }),
        await h().request('DELETE', `/tables/notes/${id}`, { user: 'bob' }),
        await h().request('DELETE', `/tables/notes/${id}`, { user: 'bob', version: '3.0.0', headers: { 'If-Match': '"wrong"' } }),
        await h().request('POST', `/tables/notes/${id}`, { user: 'bob' }),
        await h().request('POST', '/tables/notes', { user: 'bob', body: { id, text: 'collide' } }),
      ]
      for (const reply of refusals) {
        expect(reply.status, reply.text).toBe(404)
        expect(reply.text).not.toContain('private')
        expect(reply.text).not.toContain(item.version)
        expect(reply.headers.get('etag')).toBeNull()
      }
      expect(await h().snapshot()).toEqual(before)
    })

    it('A still sees, updates and conflicts on her own rows as usual', async () => {
      const created = await h().request('POST', '/tables/notes', { user: 'alice', body: { text: 'own' } })
      const item = created.json
      expect((await h().request('GET', `/tables/notes/${item.id}`, { user: 'alice' })).json).toEqual(item)
      const duplicate = await h().request('POST', '/tables/notes', { user: 'alice', body: { id: item.id, text: 'again' } })
      expect(duplicate.status).toBe(409)
      expect(duplicate.json).toEqual(item)
      const stale = await h().request('PATCH', `/tables/notes/${item.id}`, { user: 'alice', body: { text: 'x' }, headers: { 'If-Match': '"wrong"' } })
      expect(stale.status).toBe(412)
      const updated = await h().request('PATCH', `/tables/notes/${item.id}`, { user: 'alice', body: { text: 'changed', userId: 'bob' } })
      expect(updated.status).toBe(200)
      expect(updated.json).toMatchObject({ text: 'changed', userId: 'alice' })
      const deleted = await h().request('DELETE', `/tables/notes/${item.id}`, { user: 'alice' })
      expect(deleted.json.deleted).toBe(true)
    })
  })
}
