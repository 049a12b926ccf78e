import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestHeader } from 'h3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthenticationError, ConflictError, HttpError, InvalidIdError, NetworkError } from '../../src/runtime/core/errors'
import type { ServerItem, TableClient, TableClientOptions } from '../../src/runtime/core/sync/contract'
import { createTableClient } from '../../src/runtime/core/sync/table-client'
import { newId, startHarness, TIMESTAMP, type Harness } from '../conformance/support/harness'

/** The table client against this package's server (in process, PGlite): every outcome of a single request. */
const PAGE_SIZE = 3
const MAX_BATCH = 4
let h: Harness
beforeAll(async () => {
  h = await startHarness('embedded', {
    pageSize: PAGE_SIZE,
    maxBatchSize: MAX_BATCH,
    tables: {
      items: { columns: { text: 'string', done: 'boolean', tag: 'string' } },
      notes: { columns: { text: 'string' }, owner: 'userId' },
    },
  })
})
afterAll(async () => {
  await h?.close()
})

const client = (options: Partial<TableClientOptions> = {}): TableClient => createTableClient({ baseUrl: `${h.url}/tables`, ...options })
const caught = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error)

async function seed(c: TableClient, tag: string, count: number): Promise<ServerItem[]> {
  const items: ServerItem[] = []
  for (let n = 0; n < count; n += 1) items.push(await c.insert('items', { id: `${tag}-${n}`, text: `t${n}`, tag }))
  return items
}

describe('table client, protocol v2 (default)', () => {
  it('insert strips system columns, answers the server item; get reads it back', async () => {
    const bodies: unknown[] = []
    const c = client({ fetch: (input, init) => (bodies.push(JSON.parse(String(init?.body ?? null))), fetch(input, init)) })
    expect(c.apiVersion).toBe('2.0.0')
    const id = newId()
    const created = await c.insert('items', { id, text: 'a', done: false, version: 'mine', updatedAt: '2000-01-01T00:00:00.000Z', deleted: true, createdAt: 'x' })
    expect(created).toMatchObject({ id, text: 'a', done: false, deleted: false })
    expect(created.version).toEqual(expect.any(String))
    expect(created.version).not.toBe('mine')
    expect(created.updatedAt).toMatch(TIMESTAMP)
    expect(created.updatedAt).not.toBe('2000-01-01T00:00:00.000Z')
    expect(bodies).toEqual([{ id, text: 'a', done: false }])
    expect(await c.get('items', id)).toEqual(created)
    expect(await c.get('items', newId('unknown'))).toBeUndefined()
  })

  it('insert without id gets a server id', async () => {
    const created = await client().insert('items', { text: 'no id' })
    expect(created.id).toEqual(expect.any(String))
    expect(created.id.length).toBeGreaterThan(0)
  })

  it('update is a PATCH merge without system columns, with If-Match: columns not sent keep their values', async () => {
    const sent: RequestInit[] = []
    const c = client({ fetch: (input, init) => (sent.push(init!), fetch(input, init)) })
    const created = await c.insert('items', { id: newId(), text: 'keep me', done: false })
    const updated = await c.update('items', { id: created.id, done: true, version: 'stale', updatedAt: 'ignored', deleted: false }, created.version)
    expect(sent[1]!.method).toBe('PATCH')
    expect(JSON.parse(String(sent[1]!.body))).toEqual({ id: created.id, done: true })
    expect(new Headers(sent[1]!.headers).get('if-match')).toBe(`"${created.version}"`)
    expect(updated).toMatchObject({ id: created.id, text: 'keep me', done: true })
    expect(updated.version).not.toBe(created.version)
    expect(await c.get('items', created.id)).toEqual(updated)
  })

  it('delete answers the deleted item (200); get hides it unless includeDeleted', async () => {
    const c = client()
    const created = await c.insert('items', { id: newId(), text: 'x' })
    const deleted = await c.delete('items', created.id, created.version)
    expect(deleted).toMatchObject({ id: created.id, deleted: true })
    expect(await c.get('items', created.id)).toBeUndefined()
    expect(await c.get('items', created.id, { includeDeleted: true })).toEqual(deleted)
  })

  it('delete of an unknown or already deleted id resolves undefined (404)', async () => {
    const c = client()
    expect(await c.delete('items', newId('never'))).toBeUndefined()
    const created = await c.insert('items', { id: newId(), text: 'x' })
    await c.delete('items', created.id)
    expect(await c.delete('items', created.id)).toBeUndefined()
  })

  it('409 on a duplicate insert carries the server item', async () => {
    const c = client()
    const id = newId()
    const stored = await c.insert('items', { id, text: 'server' })
    const error = await caught(c.insert('items', { id, text: 'client' }))
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).status).toBe(409)
    expect((error as ConflictError).serverItem).toEqual(stored)
    expect((error as ConflictError).url).toBe(`${h.url}/tables/items`)
  })

  it('412 on an If-Match mismatch (update and delete) carries the server item', async () => {
    const c = client()
    const created = await c.insert('items', { id: newId(), text: 'v1' })
    const current = await c.update('items', { id: created.id, text: 'v2' })
    for (const attempt of [
      c.update('items', { id: created.id, text: 'stale' }, created.version),
      c.delete('items', created.id, created.version),
    ]) {
      const error = await caught(attempt)
      expect(error).toBeInstanceOf(ConflictError)
      expect((error as ConflictError).status).toBe(412)
      expect((error as ConflictError).serverItem).toEqual(current)
    }
    expect(await c.get('items', created.id)).toEqual(current)
  })

  it('400 is an HttpError with the server message and body', async () => {
    const error = await caught(client().insert('items', { id: newId(), nope: 1 }))
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(400)
    expect((error as HttpError).message).toMatch(/nope/)
    expect((error as HttpError).body).toEqual({ error: expect.stringMatching(/nope/) })
    const list = await caught(client().list('items', { filter: 'text eq' }))
    expect(list).toBeInstanceOf(HttpError)
    expect((list as HttpError).status).toBe(400)
    const unknown = await caught(client().list('nowhere'))
    expect((unknown as HttpError).status).toBe(404)
  })

  it('401 is an AuthenticationError; the headers hook is called per request and its headers are sent', async () => {
    const anonymous = await caught(client().list('notes'))
    expect(anonymous).toBeInstanceOf(AuthenticationError)
    expect((anonymous as AuthenticationError).status).toBe(401)
    expect((anonymous as AuthenticationError).body).toEqual({ error: expect.stringMatching(/logged in/) })
    const unhook = h.hooks.hook('offline-sync:authenticate', (ctx) => {
      const zumo = getRequestHeader(ctx.event, 'x-zumo-auth')
      const bearer = getRequestHeader(ctx.event, 'authorization')
      if (zumo?.startsWith('token-')) ctx.user = { id: zumo.slice(6) }
      else if (bearer?.startsWith('Bearer ')) ctx.user = { id: bearer.slice(7) }
    })
    try {
      let calls = 0
      const zumo = client({ headers: () => ({ 'X-ZUMO-AUTH': `token-user${++calls}` }) })
      const first = await zumo.insert('notes', { id: newId(), text: 'a' })
      const second = await zumo.insert('notes', { id: newId(), text: 'b' })
      expect([first.userId, second.userId]).toEqual(['user1', 'user2'])
      expect(calls).toBe(2)
      const bearer = client({ headers: async () => ({ Authorization: 'Bearer bob' }) })
      expect(await bearer.insert('notes', { id: newId(), text: 'c' })).toMatchObject({ userId: 'bob' })
    }
    finally {
      unhook()
    }
  })

  it('a bad id is refused before any request', async () => {
    let requests = 0
    const c = client({ fetch: (input, init) => (requests += 1, fetch(input, init)) })
    expect(await caught(c.delete('items', ''))).toBeInstanceOf(InvalidIdError)
    expect(await caught(c.update('items', { id: '' }))).toBeInstanceOf(InvalidIdError)
    expect(requests).toBe(0)
  })

  it('ids and table names are percent-encoded in paths; a relative baseUrl works with the given fetch', async () => {
    const urls: string[] = []
    const c = createTableClient({
      baseUrl: '/tables/',
      // Unbound, as window.fetch must be called.
      fetch: function (this: unknown, input, init) {
        if (this !== undefined) throw new TypeError('Illegal invocation')
        urls.push(String(input))
        return fetch(h.url + String(input), init)
      },
    })
    const id = 'a b%c#d&e'
    const created = await c.insert('items', { id, text: 'odd' })
    expect(created.id).toBe(id)
    expect(await c.get('items', id)).toEqual(created)
    expect(urls).toEqual(['/tables/items', '/tables/items/a%20b%25c%23d%26e'])
  })
})

describe('table client: undelete and reading deleted rows', () => {
  /** Requests as sent: method, path and query, JSON body. */
  function recording(options: Partial<TableClientOptions> = {}) {
    const sent: { method: string, url: string, body: unknown, ifMatch: string | null }[] = []
    const c = client({
      ...options,
      fetch: (input, init) => {
        const url = new URL(String(input))
        sent.push({ method: init!.method!, url: decodeURIComponent(url.pathname + url.search), body: init?.body ? JSON.parse(String(init.body)) : undefined, ifMatch: new Headers(init?.headers).get('if-match') })
        return fetch(input, init)
      },
    })
    return { c, sent }
  }

  it('v2: undelete is POST <id> with If-Match; the row comes back with its old values and a new version', async () => {
    const { c, sent } = recording()
    const created = await c.insert('items', { id: newId(), text: 'old', tag: 'u' })
    const deleted = (await c.delete('items', created.id, created.version))!
    sent.length = 0
    const revived = await c.undelete!('items', { id: created.id, text: 'not sent' }, deleted.version)
    expect(sent).toEqual([{ method: 'POST', url: `/tables/items/${created.id}`, body: undefined, ifMatch: `"${deleted.version}"` }])
    expect(revived).toMatchObject({ id: created.id, text: 'old', tag: 'u', deleted: false })
    expect(revived.version).not.toBe(deleted.version)
    expect(await c.get('items', created.id)).toEqual(revived)
  })

  it('v2: undelete at a stale version is a ConflictError 412 with the row; of an unknown id an HttpError 404', async () => {
    const c = client()
    const created = await c.insert('items', { id: newId(), text: 'x' })
    const deleted = (await c.delete('items', created.id, created.version))!
    const error = await caught(c.undelete!('items', { id: created.id }, created.version))
    expect(error).toBeInstanceOf(ConflictError)
    expect(error).toMatchObject({ status: 412, serverItem: { id: created.id, deleted: true, version: deleted.version } })
    expect(await caught(c.undelete!('items', { id: newId('never') }))).toMatchObject({ code: 'HTTP', status: 404 })
  })

  it('v3: undelete is one PUT ?__includeDeleted=true with the item and deleted: false, which also writes its values', async () => {
    const { c, sent } = recording({ apiVersion: '3.0.0' })
    const created = await c.insert('items', { id: newId(), text: 'old', tag: 'u' })
    await c.delete('items', created.id, created.version)
    const deleted = (await c.get('items', created.id, { includeDeleted: true }))!
    sent.length = 0
    const revived = await c.undelete!('items', { id: created.id, text: 'new', version: 'ignored', updatedAt: 'ignored' }, deleted.version)
    expect(sent).toEqual([{ method: 'PUT', url: `/tables/items/${created.id}?__includeDeleted=true`, body: { id: created.id, text: 'new', deleted: false }, ifMatch: `"${deleted.version}"` }])
    expect(revived).toMatchObject({ id: created.id, text: 'new', tag: null, deleted: false })
  })

  it('get with includeDeleted asks the list when the item GET finds nothing (a server whose GET by id ignores it)', async () => {
    const { c, sent } = recording()
    const absent = newId('absent')
    expect(await c.get('items', absent, { includeDeleted: true })).toBeUndefined()
    expect(sent.map(request => `${request.method} ${request.url}`)).toEqual([
      `GET /tables/items/${absent}?__includeDeleted=true`,
      `GET /tables/items?$filter=id eq '${absent}'&$top=1&__includeDeleted=true`,
    ])
    // a quote in the id is doubled in the filter's string literal (else the server would refuse the filter: 400)
    const quoted = `${newId('q')}'s`
    sent.length = 0
    expect(await c.get('items', quoted, { includeDeleted: true })).toBeUndefined()
    expect(sent[1]!.url).toBe(`/tables/items?$filter=id eq '${quoted.replace('\'', '\'\'')}'&$top=1&__includeDeleted=true`)
    // found by the item GET: no list; without includeDeleted: no list either
    const created = await c.insert('items', { id: newId(), text: 'found' })
    sent.length = 0
    expect(await c.get('items', created.id, { includeDeleted: true })).toEqual(created)
    expect(await c.get('items', newId('plain'))).toBeUndefined()
    expect(sent).toHaveLength(2)
  })
})

describe('table client: list', () => {
  it('encodes $filter, $orderby, $top, $skip (spaces as %20, quotes kept) and pages through a keyset', async () => {
    const urls: string[] = []
    const c = client({ fetch: (input, init) => (urls.push(String(input)), fetch(input, init)) })
    const tag = newId('keyset')
    const rows = await seed(c, tag, 5)
    const seen: ServerItem[] = []
    let filter = `tag eq '${tag}'`
    for (;;) {
      const page = await c.list('items', { filter, orderBy: 'updatedAt,id', top: 2, includeDeleted: true })
      seen.push(...page.items)
      if (page.items.length < 2) break
      const last = page.items.at(-1)!
      filter = `(tag eq '${tag}') and ((updatedAt gt datetimeoffset'${last.updatedAt}') or (updatedAt eq datetimeoffset'${last.updatedAt}' and id gt '${last.id}'))`
    }
    expect(seen).toEqual(rows)
    expect(urls[5]).toBe(`${h.url}/tables/items?$filter=tag%20eq%20'${tag}'&$orderby=updatedAt%2Cid&$top=2&__includeDeleted=true`)
    expect(urls.at(-1)).toContain(`%20and%20id%20gt%20'${tag}-3'))&`)
    const skipped = await c.list('items', { filter: `tag eq '${tag}'`, orderBy: 'id desc', top: 2, skip: 1 })
    expect(skipped.items.map(item => item.id)).toEqual([`${tag}-3`, `${tag}-2`])
  })

  it('includeDeleted adds deleted rows', async () => {
    const c = client()
    const tag = newId('deleted')
    const [kept, gone] = await seed(c, tag, 2)
    await c.delete('items', gone!.id)
    const filter = `tag eq '${tag}'`
    expect((await c.list('items', { filter })).items.map(item => item.id)).toEqual([kept!.id])
    const all = await c.list('items', { filter, includeDeleted: true, orderBy: 'id' })
    expect(all.items.map(item => [item.id, item.deleted])).toEqual([[kept!.id, false], [gone!.id, true]])
  })

  it('v2: the Link header of a page cut by the server page size becomes nextLink, and it leads to the next page', async () => {
    const c = client()
    const tag = newId('link')
    const rows = await seed(c, tag, PAGE_SIZE + 2)
    const first = await c.list('items', { filter: `tag eq '${tag}'`, orderBy: 'id' })
    expect(first.items).toEqual(rows.slice(0, PAGE_SIZE))
    expect(first.nextLink).toMatch(new RegExp(`^${h.url}/tables/items\\?`))
    const next = await h.request('GET', first.nextLink!.slice(h.url.length))
    expect(next.json).toEqual(rows.slice(PAGE_SIZE))
    const last = await c.list('items', { filter: `tag eq '${tag}'`, orderBy: 'id', skip: PAGE_SIZE })
    expect(last.nextLink).toBeUndefined()
  })
})

describe('table client, protocol v3', () => {
  const v3 = () => client({ apiVersion: '3.0.0' })

  it('update is a PUT replace; delete answers 204 (undefined); deleted rows are 410 (undefined)', async () => {
    const c = v3()
    expect(c.apiVersion).toBe('3.0.0')
    const created = await c.insert('items', { id: newId(), text: 'a', tag: 'x' })
    const replaced = await c.update('items', { id: created.id, text: 'b' }, created.version)
    expect(replaced).toMatchObject({ id: created.id, text: 'b', tag: null })
    expect(await c.delete('items', created.id, replaced.version)).toBeUndefined()
    expect(await c.get('items', created.id)).toBeUndefined()
    expect(await c.get('items', created.id, { includeDeleted: true })).toMatchObject({ id: created.id, deleted: true })
    expect(await c.delete('items', created.id)).toBeUndefined()
  })

  it('412 carries the server item; the v3 nextLink is completed into a URL of the next page', async () => {
    const c = v3()
    const created = await c.insert('items', { id: newId(), text: 'a' })
    const current = await c.update('items', { ...created, text: 'b' })
    const error = await caught(c.update('items', { ...created, text: 'c' }, created.version))
    expect((error as ConflictError).status).toBe(412)
    expect((error as ConflictError).serverItem).toEqual(current)
    const tag = newId('v3link')
    const v3PageSize = PAGE_SIZE * 2 // the server's v3 page is twice its v2 page (100 / 50 by default)
    const rows = await seed(c, tag, v3PageSize + 1)
    const first = await c.list('items', { filter: `tag eq '${tag}'`, orderBy: 'id' })
    expect(first.items).toEqual(rows.slice(0, v3PageSize))
    expect(first.nextLink).toMatch(new RegExp(`^${h.url}/tables/items\\?`))
    const next = await h.request('GET', first.nextLink!.slice(h.url.length), { version: '3.0.0' })
    expect(next.json.items).toEqual(rows.slice(v3PageSize))
  })
})

describe('table client: batch push against the server', () => {
  it('learns the announcement from the first answer; results in request order, each as its single request', async () => {
    const c = client()
    expect(c.batchSupported).toBeUndefined()
    const stored = await c.insert('items', { id: newId(), text: 'stored' })
    expect([c.batchSupported, c.maxBatchSize]).toEqual([true, MAX_BATCH])
    const fresh = newId()
    const results = await c.batch([
      { table: 'items', kind: 'insert', id: fresh, item: { id: fresh, text: 'new', version: 'x' } },
      { table: 'items', kind: 'update', id: stored.id, item: { id: stored.id, done: true }, version: stored.version },
      { table: 'items', kind: 'update', id: stored.id, item: { id: stored.id, text: 'stale' }, version: stored.version },
      { table: 'items', kind: 'insert', id: stored.id, item: { id: stored.id, text: 'dup' } },
    ])
    expect(results.map(result => result.status)).toEqual([201, 200, 412, 409])
    expect(results[0]!.item).toMatchObject({ id: fresh, text: 'new', deleted: false })
    expect(results[1]!.item).toMatchObject({ id: stored.id, text: 'stored', done: true })
    expect(results[2]!.item).toEqual(results[1]!.item)
    expect(results[3]!.item).toEqual(results[1]!.item)
    expect(await c.get('items', stored.id)).toEqual(results[1]!.item)
    const deleted = await c.batch([
      { table: 'items', kind: 'delete', id: fresh, version: results[0]!.item!.version },
      { table: 'items', kind: 'delete', id: newId('never') },
      { table: 'items', kind: 'insert', id: newId(), item: { nope: 1 } },
    ])
    expect(deleted.map(result => result.status)).toEqual([200, 404, 400])
    expect(deleted[0]!.item).toMatchObject({ id: fresh, deleted: true })
    expect(deleted[2]!.error).toMatch(/nope/)
  })

  it('more operations than announced is an HttpError 400; a v3 batch deletes with 204', async () => {
    const c = client({ apiVersion: '3.0.0' })
    const ids = Array.from({ length: MAX_BATCH + 1 }, () => newId())
    const error = await caught(c.batch(ids.map(id => ({ table: 'items', kind: 'insert' as const, id, item: { id } }))))
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(400)
    const created = await c.insert('items', { id: ids[0], text: 'v3' })
    const results = await c.batch([{ table: 'items', kind: 'delete', id: created.id, version: created.version }])
    expect(results).toEqual([{ status: 204 }])
  })

  it('a server without the batch endpoint: batchSupported false after the first success', async () => {
    const plain = await startHarness('embedded', { maxBatchSize: 0, tables: { items: { columns: { text: 'string' } } } })
    try {
      const c = createTableClient({ baseUrl: `${plain.url}/tables` })
      await c.list('items')
      expect(c.batchSupported).toBe(false)
    }
    finally {
      await plain.close()
    }
  })
})

describe('table client: no answer', () => {
  it('a closed port is a NetworkError', async () => {
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    await new Promise(resolve => server.close(resolve))
    const error = await caught(createTableClient({ baseUrl: `http://127.0.0.1:${port}/tables` }).list('items'))
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).url).toBe(`http://127.0.0.1:${port}/tables/items`)
  })

  it('a server that never answers is a NetworkError after timeoutMs', async () => {
    const server: Server = createServer(() => { /* never answers */ })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const c = createTableClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tables`, timeoutMs: 200 })
      const error = await caught(c.get('items', 'a'))
      expect(error).toBeInstanceOf(NetworkError)
      expect((error as NetworkError).message).toMatch(/no answer within 200 ms/)
    }
    finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
