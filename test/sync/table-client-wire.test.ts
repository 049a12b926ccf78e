import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ConflictError, HttpError, ProtocolError, ValidationError } from '../../src/runtime/core/errors'
import type { BatchOperation } from '../../src/runtime/core/sync/contract'
import { nextLinkFromHeader } from '../../src/runtime/core/sync/http/query'
import { createTableClient } from '../../src/runtime/core/sync/table-client'

/**
 * Wire details the package's server cannot show (yet): the batch endpoint's format, answers that break the
 * protocol, other servers' header forms. A tiny stub on 127.0.0.1 answers what each test scripts.
 */
interface Seen { method: string, url: string, headers: IncomingMessage['headers'], body: string }
type Script = (seen: Seen, res: ServerResponse) => void

let server: Server
let base: string
let script: Script
const seen: Seen[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => body += chunk).on('end', () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body }
      seen.push(entry)
      script(entry, res)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tables`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})
beforeEach(() => {
  seen.length = 0
})

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Script {
  return (_seen, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers }).end(text)
  }
}
const caught = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error)
const item = (id: string, extra: Record<string, unknown> = {}) => ({ id, updatedAt: '2024-01-01T00:00:00.000Z', version: 'v1', deleted: false, ...extra })

describe('batch announcement and endpoint', () => {
  it('X-Offline-Sync-Batch on any answer announces the batch size; a success without it sets false unless seen', async () => {
    const client = createTableClient({ baseUrl: base })
    expect(client.batchSupported).toBeUndefined()
    expect(client.maxBatchSize).toBe(0)
    script = answer(500, { error: 'down' })
    await caught(client.list('todos'))
    expect(client.batchSupported).toBeUndefined()
    script = answer(200, [])
    await client.list('todos')
    expect(client.batchSupported).toBe(false)
    script = answer(404, { error: 'x' }, { 'X-Offline-Sync-Batch': '25' })
    expect(await client.get('todos', 'a')).toBeUndefined()
    expect([client.batchSupported, client.maxBatchSize]).toEqual([true, 25])
    script = answer(200, [])
    await client.list('todos')
    expect([client.batchSupported, client.maxBatchSize]).toEqual([true, 25])
    script = answer(200, [], { 'X-Offline-Sync-Batch': 'lots' })
    await client.list('todos')
    expect([client.batchSupported, client.maxBatchSize]).toEqual([true, 25])
  })

  it('POSTs { operations } to <baseUrl>/$batch and returns the results in order', async () => {
    const client = createTableClient({ baseUrl: `${base}/`, headers: () => ({ 'X-ZUMO-AUTH': 'token' }) })
    const operations: BatchOperation[] = [
      { table: 'todos', kind: 'insert', id: 'a', item: { id: 'a', text: 'x', version: 'no', updatedAt: 'no' } },
      { table: 'todos', kind: 'update', id: 'b', item: { id: 'b', text: 'y', deleted: false }, version: 'v7' },
      { table: 'todos', kind: 'delete', id: 'c', version: 'v8' },
      { table: 'todos', kind: 'update', id: 'd', item: { id: 'd', text: 'z' }, version: 'old' },
    ]
    const results = [
      { status: 201, item: item('a', { text: 'x' }) },
      { status: 200, item: item('b', { text: 'y' }) },
      { status: 200, item: item('c', { deleted: true }) },
      { status: 412, item: item('d', { text: 'theirs', version: 'new' }), error: 'changed' },
    ]
    script = answer(200, { results }, { 'X-Offline-Sync-Batch': '100' })
    expect(await client.batch(operations)).toEqual(results)
    const [request] = seen
    expect(request).toMatchObject({ method: 'POST', url: '/tables/$batch' })
    expect(request!.headers).toMatchObject({ 'zumo-api-version': '2.0.0', 'accept': 'application/json', 'content-type': 'application/json', 'x-zumo-auth': 'token' })
    expect(JSON.parse(request!.body)).toEqual({
      operations: [
        { table: 'todos', kind: 'insert', id: 'a', item: { id: 'a', text: 'x' } },
        { table: 'todos', kind: 'update', id: 'b', item: { id: 'b', text: 'y' }, version: 'v7' },
        { table: 'todos', kind: 'delete', id: 'c', version: 'v8' },
        { table: 'todos', kind: 'update', id: 'd', item: { id: 'd', text: 'z' }, version: 'old' },
      ],
    })
    expect(await client.batch([])).toEqual([])
    expect(seen).toHaveLength(1)
  })

  it('v3 batch updates keep the whole entity (PUT semantics)', async () => {
    const client = createTableClient({ baseUrl: base, apiVersion: '3.0.0' })
    script = answer(200, { results: [{ status: 200, item: item('b') }] })
    await client.batch([{ table: 'todos', kind: 'update', id: 'b', item: { id: 'b', text: 'y', deleted: false, version: 'v1' }, version: 'v1' }])
    expect(JSON.parse(seen[0]!.body).operations[0].item).toEqual({ id: 'b', text: 'y', deleted: false, version: 'v1' })
    expect(seen[0]!.headers['zumo-api-version']).toBe('3.0.0')
  })

  it('a result count, status or item that breaks the format is a ProtocolError', async () => {
    const client = createTableClient({ baseUrl: base })
    const two: BatchOperation[] = [{ table: 't', kind: 'delete', id: 'a' }, { table: 't', kind: 'insert', id: 'b', item: { id: 'b' } }]
    for (const body of [
      { results: [{ status: 204 }] },
      { results: [{ status: 204 }, { status: 201, item: item('b') }, { status: 201 }] },
      { nope: [] },
      { results: [{ status: 204 }, { status: 201 }] },
      { results: [{ status: 204 }, { status: 201, item: { text: 'no id' } }] },
      { results: [{ status: '204' }, { status: 201, item: item('b') }] },
      'not json',
    ]) {
      script = answer(200, body)
      expect(await caught(client.batch(two)), JSON.stringify(body)).toBeInstanceOf(ProtocolError)
    }
  })

  it('a refused batch is typed like a single request; 404/405 (no batch route) stops announcing it', async () => {
    const client = createTableClient({ baseUrl: base })
    script = answer(200, [], { 'X-Offline-Sync-Batch': '10' })
    await client.list('todos')
    const op: BatchOperation[] = [{ table: 't', kind: 'delete', id: 'a' }]
    script = answer(503, { error: 'database down' })
    const error = await caught(client.batch(op))
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(503)
    expect((error as HttpError).message).toMatch(/database down/)
    expect(client.batchSupported).toBe(true)
    script = answer(404, { error: 'unknown table $batch' })
    expect(await caught(client.batch(op))).toBeInstanceOf(HttpError)
    expect(client.batchSupported).toBe(false)
  })
})

describe('answers that break the protocol, and other servers\' forms', () => {
  it('a 2xx that is not JSON, or not an item with an id, is a ProtocolError', async () => {
    const client = createTableClient({ baseUrl: base })
    script = answer(200, '<html>login page</html>')
    expect(await caught(client.get('todos', 'a'))).toBeInstanceOf(ProtocolError)
    expect(await caught(client.list('todos'))).toBeInstanceOf(ProtocolError)
    script = answer(201, { text: 'no id' })
    expect(await caught(client.insert('todos', { text: 'x' }))).toBeInstanceOf(ProtocolError)
    script = answer(200, '')
    expect(await caught(client.update('todos', { id: 'a' }))).toBeInstanceOf(ProtocolError)
    script = answer(200, { value: [] })
    expect(await caught(client.list('todos'))).toBeInstanceOf(ProtocolError)
    script = answer(200, [item('a'), { text: 'no id' }])
    expect(await caught(client.list('todos'))).toBeInstanceOf(ProtocolError)
  })

  it('the version comes from the ETag when the body has none (items and conflict items)', async () => {
    const client = createTableClient({ baseUrl: base })
    script = answer(201, { id: 'a', text: 'x' }, { ETag: '"djE="' })
    expect(await client.insert('todos', { id: 'a', text: 'x' })).toEqual({ id: 'a', text: 'x', version: 'djE=' })
    script = answer(412, { id: 'a', text: 'theirs' }, { ETag: '"djI="' })
    const error = await caught(client.update('todos', { id: 'a', text: 'mine' }, 'djE='))
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).serverItem).toEqual({ id: 'a', text: 'theirs', version: 'djI=' })
    expect(seen.at(-1)!.headers['if-match']).toBe('"djE="')
    script = answer(409, { error: 'conflict' })
    expect((await caught(client.insert('todos', { id: 'a' })) as ConflictError).serverItem).toBeUndefined()
  })

  it('a weak ETag is never taken for the version (Express puts one, hashed from the bytes, on any JSON body)', async () => {
    const client = createTableClient({ baseUrl: base })
    // the stock Node server's 409 on a duplicate insert: the request's item echoed, with Express's weak ETag
    script = answer(409, { id: 'a', text: 'mine' }, { ETag: 'W/"16-U1kqgpo6oh4xyRc7lI3H+naVeu0"' })
    expect((await caught(client.insert('todos', { id: 'a', text: 'mine' })) as ConflictError).serverItem).toEqual({ id: 'a', text: 'mine' })
    script = answer(412, { id: 'a', text: 'theirs' }, { ETag: 'W/"djI="' })
    expect((await caught(client.update('todos', { id: 'a', text: 'mine' }, 'djE=')) as ConflictError).serverItem).toEqual({ id: 'a', text: 'theirs' })
    script = answer(200, { id: 'a', text: 'x' }, { ETag: 'W/"djM="' })
    expect(await client.get('todos', 'a')).toEqual({ id: 'a', text: 'x' })
    // a version in the body always wins, whatever the ETag
    script = answer(200, { id: 'a', version: 'djQ=' }, { ETag: '"other"' })
    expect(await client.get('todos', 'a')).toEqual({ id: 'a', version: 'djQ=' })
  })

  it('a 2xx delete with an empty body (204) resolves undefined; user headers never replace the protocol headers', async () => {
    const client = createTableClient({ baseUrl: base, headers: () => ({ 'ZUMO-API-VERSION': '9.9.9', 'X-Extra': '1' }) })
    script = (_seen, res) => res.writeHead(204).end()
    expect(await client.delete('todos', 'a', 'v1')).toBeUndefined()
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/tables/todos/a' })
    expect(seen[0]!.headers).toMatchObject({ 'zumo-api-version': '2.0.0', 'x-extra': '1', 'if-match': '"v1"' })
    expect(seen[0]!.headers['content-type']).toBeUndefined()
  })

  it('a list with a bad $top or $skip is a ValidationError naming the table, and nothing is sent', async () => {
    const client = createTableClient({ baseUrl: base })
    script = answer(200, [])
    const top = await caught(client.list('todos', { top: -1 }))
    expect(top).toBeInstanceOf(ValidationError)
    expect(top).toMatchObject({ table: 'todos', field: '$top' })
    expect(await caught(client.list('lists', { skip: 1.5 }))).toMatchObject({ table: 'lists', field: '$skip' })
    expect(seen).toEqual([])
  })

  it('an HttpError message comes from { error }, { message }, problem details or the text', async () => {
    const client = createTableClient({ baseUrl: base })
    for (const [body, message] of [
      [{ error: 'from error' }, 'from error'],
      [{ message: 'from message' }, 'from message'],
      [{ title: 'Bad', detail: 'from detail' }, 'from detail'],
      ['plain text failure', 'plain text failure'],
    ] as const) {
      script = answer(400, body)
      const error = await caught(client.list('todos')) as HttpError
      expect(error).toBeInstanceOf(HttpError)
      expect(error.message).toContain(message)
    }
  })

  it('a v2 Link header with or without angle brackets, among other links, gives nextLink', async () => {
    expect(nextLinkFromHeader('http://h/tables/t?$skip=50; rel=next')).toBe('http://h/tables/t?$skip=50')
    expect(nextLinkFromHeader('<http://h/t?a=1,2>; rel="next"')).toBe('http://h/t?a=1,2')
    expect(nextLinkFromHeader('<http://h/p>; rel=prev, <http://h/n>; rel="next last"')).toBe('http://h/n')
    expect(nextLinkFromHeader('<http://h/p>; rel=prev')).toBeUndefined()
    expect(nextLinkFromHeader('http://h/p; rel=prev')).toBeUndefined()
    expect(nextLinkFromHeader(null)).toBeUndefined()
    const client = createTableClient({ baseUrl: base })
    script = answer(200, [item('a')], { Link: `<${base}/todos?$skip=1>; rel=next` })
    expect(await client.list('todos')).toEqual({ items: [item('a')], nextLink: `${base}/todos?$skip=1` })
    script = answer(200, { results: [item('b')], count: 9 })
    expect(await client.list('todos')).toEqual({ items: [item('b')] })
  })
})
