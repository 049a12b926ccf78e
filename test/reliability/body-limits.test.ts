import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { createApp, createRouter, toNodeListener } from 'h3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../../src/runtime/server/db/migrate'
import { openDatabase } from '../../src/runtime/server/db/open-database'
import { MAX_BATCH_DEPTH } from '../../src/runtime/server/operations/batch'
import { createTableService } from '../../src/runtime/server/table-service'
import { startHarness, TABLES, type Harness } from '../conformance/support/harness'

const JSON_TYPE = { 'content-type': 'application/json' }
const nested = (depth: number, inner = '') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`

/** Deeply nested bodies: a 400 naming the problem (never a stack overflow, a 500 or a write), for single and batch requests. */
describe('deeply nested JSON bodies', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness('embedded', { maxBodySize: 1024 * 1024 })
  })
  afterAll(async () => {
    await h?.close()
  })

  const batch = (item: string) => `{"operations":[{"table":"todos","kind":"insert","id":"deep-1","item":${item}}]}`

  it('refuses 100k levels in a single request, in a json column, a string column or as the whole body', async () => {
    const before = await h.snapshot()
    const cases = [
      { raw: nested(100_000), message: /object/ },
      { raw: `{"meta": ${nested(100_000)}}`, message: /meta/ },
      { raw: `{"text": ${nested(100_000)}}`, message: /text/ },
      { raw: `{"id": ${nested(100_000)}}`, message: /id/ },
    ]
    for (const { raw, message } of cases) {
      const reply = await h.request('POST', '/tables/todos', { raw, headers: JSON_TYPE })
      expect(reply.status, reply.text).toBe(400)
      expect(reply.json.error).toMatch(message)
    }
    expect(h.logged).toEqual([])
    expect(await h.snapshot()).toEqual(before)
  })

  it('refuses a batch body nested 5k, 100k or 400k levels (in an item, its table or id) with a 400 before parsing it', async () => {
    const before = await h.snapshot()
    for (const depth of [5000, 100_000, 400_000]) {
      for (const raw of [
        batch(`{"meta": ${nested(depth)}}`),
        batch(`{"text": ${nested(depth)}}`),
        `{"operations":[{"table":${nested(depth)},"kind":"insert","id":"x","item":{}}]}`,
        `{"operations":[{"table":"todos","kind":"delete","id":${nested(depth)}}]}`,
      ]) {
        const reply = await h.request('POST', '/tables/$batch', { raw, headers: JSON_TYPE })
        expect(reply.status, reply.text.slice(0, 200)).toBe(400)
        expect(reply.json.error).toBe(`The request body nests arrays and objects more than ${MAX_BATCH_DEPTH} levels deep`)
      }
    }
    expect(h.logged).toEqual([])
    expect(await h.snapshot()).toEqual(before)
  })

  it('still answers a json value too deep but within the batch limit per operation, like its single request', async () => {
    const before = await h.snapshot()
    // the envelope takes 4 levels: body, operations, operation, item
    const raw = `{"operations":[
      {"table":"todos","kind":"insert","id":"deep-ok","item":{"meta":${nested(50)}}},
      {"table":"todos","kind":"insert","id":"deep-2","item":{"meta":${nested(MAX_BATCH_DEPTH - 4)}}},
      {"table":"todos","kind":"insert","id":"deep-3","item":{"text":${nested(MAX_BATCH_DEPTH - 4, '"brackets in strings do not count: [[[["')}}}
    ]}`
    const reply = await h.request('POST', '/tables/$batch', { raw, headers: JSON_TYPE })
    expect(reply.status, reply.text.slice(0, 300)).toBe(200)
    const results = reply.json.results as Array<{ status: number, error?: string }>
    expect(results.map(result => result.status)).toEqual([201, 400, 400])
    expect(results[1]!.error).toMatch(/todos\.meta must be JSON nested at most 100 levels deep/)
    expect(results[2]!.error).toMatch(/todos\.text must be a string/)
    const after = await h.snapshot()
    expect(after.todos!.map(row => row.id)).toEqual([...before.todos!.map(row => row.id), 'deep-ok'].sort())
    expect(h.logged).toEqual([])
  })
})

/**
 * Bodies refused early, on a server of the service's own that records, when each answer is written, the bytes its
 * socket had received (`socket.bytesRead`) and the status: oversized bodies are refused after about the limit while
 * the client keeps sending; bodies cut short are the client's failure.
 */
describe('oversized and cut-short bodies', () => {
  const LIMIT = 64 * 1024
  const consumed: number[] = []
  const answered: number[] = []
  const logged: unknown[] = []
  let server: Server
  let close: () => Promise<void>
  let snapshot: () => Promise<unknown[]>

  beforeAll(async () => {
    const database = await openDatabase({ dataDir: 'memory://' })
    const service = createTableService({ tables: TABLES, db: database.db, maxBodySize: LIMIT, maxBatchBodySize: 2 * LIMIT, logError: error => void logged.push(error) })
    await migrate(database.db, service.tables.values())
    // the socket as the request arrived: a request stream destroyed mid-body lets go of it
    const sockets = new WeakMap<object, Socket>()
    const app = createApp({
      onRequest: event => void sockets.set(event.node.req, event.node.req.socket),
      onBeforeResponse: (event) => {
        consumed.push(sockets.get(event.node.req)!.bytesRead)
        answered.push(event.node.res.statusCode)
      },
    })
    app.use(createRouter().use('/tables/:table', service.handler).use('/tables/:table/:id', service.handler))
    server = createServer(toNodeListener(app))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    snapshot = () => database.db.selectFrom('todos').selectAll().execute()
    close = async () => {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
      await database.close()
    }
  })
  afterAll(async () => {
    await close?.()
  })

  /** Sends the request head, then (unless `declared`) up to `total` bytes of chunked body until an answer arrives. */
  async function send(method: string, path: string, total: number, declared?: number): Promise<{ status: number, sent: number, consumed: number }> {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    let answer = ''
    socket.on('data', (data: Buffer) => void (answer += data.toString('latin1')))
    socket.on('error', () => {})
    await new Promise(resolve => socket.once('connect', resolve))
    const length = declared === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${declared}`
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nZUMO-API-VERSION: 2.0.0\r\nContent-Type: application/json\r\n${length}\r\n\r\n`)
    const before = consumed.length
    let sent = 0
    const chunk = Buffer.alloc(16 * 1024, 0x5B) // '[' again and again: never valid, never read whole
    while (consumed.length === before && !answer.includes('\r\n\r\n') && (declared !== undefined || sent < total)) {
      if (declared === undefined) {
        const flushed = socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n')
        sent += chunk.length
        if (!flushed) await new Promise(resolve => socket.once('drain', resolve))
      }
      await new Promise(resolve => setTimeout(resolve, declared === undefined ? 0 : 5))
    }
    while (!answer.includes('\r\n\r\n')) await new Promise(resolve => setTimeout(resolve, 5))
    socket.destroy()
    return { status: Number(answer.split(' ')[1]), sent, consumed: consumed.at(-1)! }
  }

  it('a chunked body over maxBodySize is a 413 after about the limit, however much more the client would send', async () => {
    const reply = await send('POST', '/tables/todos', 64 * 1024 * 1024)
    console.info(`413 for a ${LIMIT}-byte limit after ${reply.consumed} bytes received (client had written ${reply.sent} body bytes)`)
    expect(reply.status).toBe(413)
    expect(reply.sent).toBeLessThan(64 * 1024 * 1024)
    expect(reply.consumed).toBeGreaterThan(LIMIT)
    expect(reply.consumed).toBeLessThan(LIMIT + 256 * 1024)
  })

  it('a batch body over maxBatchBodySize is a 413 after about that limit', async () => {
    const reply = await send('POST', '/tables/$batch', 64 * 1024 * 1024)
    expect(reply.status).toBe(413)
    expect(reply.consumed).toBeGreaterThan(2 * LIMIT)
    expect(reply.consumed).toBeLessThan(2 * LIMIT + 256 * 1024)
  })

  it('a declared Content-Length over the limit is a 413 before any of the body arrives', async () => {
    for (const [method, path] of [['POST', '/tables/todos'], ['PATCH', '/tables/todos/some-id'], ['PUT', '/tables/todos/some-id'], ['POST', '/tables/$batch']] as const) {
      const reply = await send(method, path, 0, 1024 * 1024 * 1024)
      expect(reply.status).toBe(413)
      expect(reply.sent).toBe(0)
      expect(reply.consumed).toBeLessThan(1024)
    }
  })

  it('a body the client cuts short (the connection closes before its end) is a 400 of the service: nothing logged, nothing written', async () => {
    const before = await snapshot()
    const cases = [
      ['POST /tables/todos', 'Content-Length: 100', '{"text":"cut'],
      ['PATCH /tables/todos/some-id', 'Content-Length: 100', '{"text":'],
      ['POST /tables/$batch', 'Content-Length: 500', '{"operations":[{"table":"todos"'],
      ['POST /tables/todos', 'Transfer-Encoding: chunked', '5\r\n{"tex'],
    ]
    for (const [request, framing, partial] of cases) {
      const count = answered.length
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
      socket.on('error', () => {})
      await new Promise(resolve => socket.once('connect', resolve))
      socket.end(`${request} HTTP/1.1\r\nHost: 127.0.0.1\r\nZUMO-API-VERSION: 2.0.0\r\nContent-Type: application/json\r\n${framing}\r\n\r\n${partial}`)
      while (answered.length === count) await new Promise(resolve => setTimeout(resolve, 5))
      socket.destroy()
      expect(answered.at(-1), `${request} ${framing}`).toBe(400)
    }
    expect(logged).toEqual([])
    expect(await snapshot()).toEqual(before)
  })
})
