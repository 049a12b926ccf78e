import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness, type RequestInit } from '../conformance/support/harness'
import { filterArbitraries, print, stringValue } from './support/filter-arbitrary'
import { fuzzParameters } from './support/fuzz-settings'

/** Printable ASCII: what `fetch` accepts in a header value, and safe in a path. */
const ascii = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7E }).map(code => String.fromCharCode(code)), maxLength })
const pick = <T>(...values: T[]) => fc.constantFrom(...values)
/** `usual` most of the time, `unusual` otherwise: near-valid requests get past the first checks and reach the writes. */
const mostly = <T>(usual: fc.Arbitrary<T>, unusual: fc.Arbitrary<T>) => fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: unusual, weight: 1 })

const TABLE_NAMES = ['todos', 'pages', 'notes', 'hard', 'guarded']
const KEYS = ['id', 'text', 'done', 'priority', 'due', 'meta', 'n', 'status', 'secret', 'userId', 'version', 'deleted', 'createdAt',
  'updatedAt', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'colour', 'ID', 'Text', '$batch', 'operations']
/** JSON values as text, some of them beyond what `JSON.stringify` writes (1e400, -0, deep nesting, escapes). */
const rawValue: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map(value => JSON.stringify(value) ?? 'null'),
  stringValue.map(value => JSON.stringify(value)),
  pick('1e400', '-1e400', '1e308', '-0', '0.1e-400', '9007199254740993', '"NaN"', '"Infinity"', '"-Infinity"', 'true', 'null', '"\\u0000"',
    '"\\ud800"', '"2024-02-30T00:00:00.000Z"', '"2024-01-01T00:00:00Z"', '"0000-01-01T00:00:00.000Z"', '{"__proto__":{"x":1}}',
    `${'['.repeat(120)}${']'.repeat(120)}`,
    `"${'x'.repeat(70_000)}"`, '"a\\"b"', '{}', '[]'),
)
const rawObject = fc.array(fc.tuple(fc.oneof(pick(...KEYS), ascii(8)), rawValue), { maxLength: 6 })
  .map(entries => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`)
const rawOperation = fc.tuple(
  fc.oneof(pick(...TABLE_NAMES).map(name => JSON.stringify(name)), rawValue),
  fc.oneof(pick('"insert"', '"update"', '"delete"'), rawValue),
  fc.oneof(pick('"b-1"', '"seed-todos-0"', '"seed-notes-0"'), rawValue),
  rawObject,
  fc.option(rawValue),
).map(([table, kind, id, item, version]) => `{"table":${table},"kind":${kind},"id":${id},"item":${item}${version === null ? '' : `,"version":${version}`}}`)

/** A body of the `todos` table's columns, mostly with values of the right type. */
const COLUMN_VALUES: Record<string, fc.Arbitrary<string>> = {
  text: stringValue.map(value => JSON.stringify(value)),
  done: fc.boolean().map(String),
  priority: fc.double({ noNaN: true, noDefaultInfinity: true }).map(value => JSON.stringify(value)),
  due: fc.date({ noInvalidDate: true, min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T00:00:00.000Z') }).map(date => JSON.stringify(date.toISOString())),
  meta: fc.jsonValue({ maxDepth: 3 }).map(value => JSON.stringify(value) ?? 'null'),
  id: fc.oneof(pick('"seed-todos-0"', '"seed-notes-0"'), fc.nat(1000).map(n => `"fresh-${n}"`), ascii(12).map(value => JSON.stringify(value))),
  version: pick('"x"', 'null'),
  deleted: fc.boolean().map(String),
}
const columnBody = fc.uniqueArray(fc.constantFrom(...Object.keys(COLUMN_VALUES)), { maxLength: 5 })
  .chain(keys => fc.tuple(...keys.map(key => mostly(COLUMN_VALUES[key]!, rawValue).map(value => `${JSON.stringify(key)}:${value}`))))
  .map(entries => `{${entries.join(',')}}`)
const body: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: columnBody, weight: 6 },
  fc.constant(undefined),
  rawObject,
  fc.array(rawOperation, { maxLength: 4 }).map(operations => `{"operations":[${operations.join(',')}]}`),
  rawValue,
  pick('', '{', '{"text": "x",', '\uFEFF{"text":"bom"}', '{"text":"x"}{"text":"y"}', 'undefined', 'NaN', '{\'text\':\'x\'}', '{"text":"x"} trailing'),
  fc.string({ unit: 'binary', maxLength: 100 }),
)

const { bool } = filterArbitraries(3)
const queryValue = fc.oneof(ascii(20), fc.string({ unit: 'binary', maxLength: 20 }), bool.map(node => print(node)), pick('', '0', '-1', '1001', '1e3', '10 ', '999999999999', 'true', 'TRUE', 'allpages', 'none', '*'))
const queryName = fc.oneof(pick('$filter', '$orderby', '$select', '$top', '$skip', '$inlinecount', '$count', '__includeDeleted', '__INCLUDEDELETED', 'ZUMO-API-VERSION', 'zumo-api-version', '__proto__', 'constructor', '$expand'), ascii(6))
const query = fc.array(fc.tuple(queryName, queryValue, fc.boolean()), { maxLength: 5 })
  .map(pairs => pairs.length === 0 ? '' : `?${pairs.map(([name, value, stray]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}${stray ? '?x=1' : ''}`).join('&')}`)

/** A path segment of junk: never empty, `.` or `..` (the URL parser would remove it and the request would miss the table routes). */
const junkSegment = ascii(10).filter(text => text !== '' && text !== '.' && text !== '..').map(encodeURIComponent)
const segment = fc.oneof(pick('seed-todos-0', 'seed-notes-0', 'seed-notes-1', 'b-1', '%00', 'a%2Fb', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', '%20', 'x'.repeat(300), '$batch', '__proto__'), junkSegment)
const path = fc.tuple(mostly(pick(...TABLE_NAMES, 'todos', 'todos', '$batch'), fc.oneof(pick('__proto__', 'constructor', 'nope', '%24batch'), junkSegment)),
  fc.oneof(fc.constant(null), mostly(pick('seed-todos-0', 'seed-todos-1', 'seed-notes-0', 'seed-notes-1', 'fresh-1'), segment)), mostly(fc.constant(''), query))
  .map(([table, id, search]) => `/tables/${table}${id === null ? '' : `/${id}`}${search}`)

/** Each header absent (`undefined`, not sent) as often as `absent` to 1. */
const sometimes = <T>(value: fc.Arbitrary<T>, absent: number) => fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: value, weight: 1 })
const headers = fc.record({
  'ZUMO-API-VERSION': sometimes(mostly(pick('2.0.0', '3.0.0'), pick('2.0.0', '3.0.0', '2.0', '3.0.1', ' 3.0.0 ', '1.0.0', '4.0.0', '', '2.0.0, 3.0.0', 'abc', '2.0.0.0')), 2),
  'If-Match': sometimes(fc.oneof(pick('*', '"x"', 'W/"x"', '"', '""', '"a", "b"', ',,,', '**'), ascii(30)), 3),
  'content-type': sometimes(mostly(pick('application/json', 'application/json; charset=utf-8'), pick('text/plain', 'application/xml', 'multipart/form-data', 'application/merge-patch+json', 'application/jsonx', '')), 1),
  'x-test-user': sometimes(pick('alice', 'bob', 'bob', 'alice', ' ', 'x'.repeat(300)), 1),
}).map(all => Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as Record<string, string>)

const request = fc.record({
  method: mostly(pick('GET', 'POST', 'POST', 'PATCH', 'PATCH', 'PUT', 'DELETE'), pick('OPTIONS', 'HEAD', 'PROPFIND', 'patch')),
  path,
  version: mostly(pick<RequestInit['version']>('2.0.0', '3.0.0'), fc.constant(null)),
  headers,
  body,
})

/** Well-formed writes (right method, path, version and content type) whose bodies, conditions and batches are fuzzed. */
const write = fc.record({
  shape: pick('POST table', 'PATCH item', 'PUT item', 'DELETE item', 'POST item', 'POST batch'),
  table: pick('todos', 'todos', 'notes', 'hard', 'guarded'),
  id: fc.oneof(pick('seed-todos-0', 'seed-todos-1', 'seed-notes-0', 'seed-notes-1'), fc.nat(50).map(n => `fresh-${n}`)),
  version: pick<RequestInit['version']>('2.0.0', '3.0.0'),
  ifMatch: sometimes(fc.oneof(pick('*', '"x"', 'W/"x"'), ascii(12)), 2),
  user: pick('alice', 'bob'),
  body: fc.oneof({ arbitrary: columnBody, weight: 4 }, { arbitrary: rawObject, weight: 1 }),
  operations: fc.array(rawOperation, { maxLength: 4 }),
}).map(({ shape, table, id, version, ifMatch, user, body, operations }) => {
  const [method, target] = shape.split(' ') as [string, string]
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-test-user': user }
  if (ifMatch !== undefined) headers['If-Match'] = ifMatch
  const path = target === 'batch' ? '/tables/$batch' : target === 'table' ? `/tables/${table}` : `/tables/${table}/${id}`
  return { method, path, version, headers, body: target === 'batch' ? `{"operations":[${operations.join(',')}]}` : method === 'DELETE' ? undefined : body }
})

/** What a response may never show: stack frames, SQL, driver names. */
const LEAK = /\bat .+:\d+:\d+|select .+ from|insert into|syntax error|kysely|pglite|node_modules/i

describe('fuzzing request bodies, methods, paths, queries and headers against the server', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness('embedded')
    for (let i = 0; i < 3; i++) {
      expect((await h.request('POST', '/tables/todos', { body: { id: `seed-todos-${i}`, text: `t${i}`, meta: { i } } })).status).toBe(201)
      expect((await h.request('POST', '/tables/notes', { user: i ? 'bob' : 'alice', body: { id: `seed-notes-${i}`, text: `n${i}` } })).status).toBe(201)
    }
  })
  afterAll(async () => {
    await h?.close()
  })

  interface FuzzedRequest { method: string, path: string, version: RequestInit['version'], headers: Record<string, string>, body?: string }

  /**
   * Sends each request and checks: no 5xx and nothing logged, no internals in the text, `{ error }` on a refusal
   * by the service, and every table unchanged after a refusal or a read. Returns the statuses seen.
   */
  async function fuzzRequests(requests: fc.Arbitrary<FuzzedRequest>, runs: number): Promise<Record<number, number>> {
    const statuses: Record<number, number> = {}
    const reasons = new Map<string, number>()
    let served = 0
    const parameters = fuzzParameters<[FuzzedRequest]>(runs)
    await fc.assert(fc.asyncProperty(requests, async ({ method, path, version, headers, body }) => {
      const before = await h.snapshot()
      const logged = h.logged.length
      const init: RequestInit = { version, headers: { ...headers } }
      if (body !== undefined && method !== 'GET' && method !== 'HEAD') init.raw = body
      const reply = await h.request(method, path, init)
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1
      const what = `${method} ${path} ${JSON.stringify(headers)} ${body?.slice(0, 300)} → ${reply.status} ${reply.text.slice(0, 300)}`
      expect(reply.status, what).toBeLessThan(500)
      expect(h.logged.slice(logged), what).toEqual([])
      expect(reply.text, what).not.toMatch(LEAK)
      // (a path the router itself does not match, e.g. an encoded `?` in it, never reaches the table service)
      const fromService = reply.headers.has('access-control-expose-headers')
      if (fromService) served++
      if (reply.status >= 400 && typeof reply.json?.error === 'string') {
        const reason = reply.json.error.replace(/'[^']*'|"[^"]*"|\d+/g, '…').slice(0, 60)
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      }
      // (409 and 412 answer with the server's item, as the protocol asks)
      if (fromService && reply.status >= 400 && reply.status !== 409 && reply.status !== 412 && method !== 'HEAD') expect(typeof reply.json?.error, what).toBe('string')
      // A refusal, or a request that only reads, leaves every table as it was. (A 200 batch may hold refused and applied operations.)
      if (reply.status >= 300 || ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) {
        expect(await h.snapshot(), what).toEqual(before)
      }
    }), parameters)
    console.info(`statuses: ${JSON.stringify(statuses)}, answered by the table service: ${served}; most frequent refusals:`,
      [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8))
    expect(served).toBeGreaterThan(parameters.numRuns! * 0.8)
    return statuses
  }

  it('random methods, paths, queries, headers and bodies: never a 5xx or a leak; a refused request changes no data', async () => {
    const statuses = await fuzzRequests(request, 500)
    expect(Object.keys(statuses).length).toBeGreaterThan(5)
  })

  it('well-formed writes with fuzzed bodies, conditions and batches: the same, and some of them are accepted', async () => {
    const statuses = await fuzzRequests(write, 400)
    expect((statuses[200] ?? 0) + (statuses[201] ?? 0)).toBeGreaterThan(0)
    expect(Object.entries(statuses).filter(([status]) => Number(status) >= 400).length).toBeGreaterThan(2)
  })

  it('an id that is not well-formed Unicode (a lone surrogate) is a 400, not a row stored under another id and a 500', async () => {
    const before = await h.snapshot()
    const json = { 'content-type': 'application/json' }
    for (const [version, raw] of [['3.0.0', '{"id":"a\\ud800","text":"x"}'], ['2.0.0', '{"id":"b\\udc00"}'], ['3.0.0', '{"id":"\\ude00\\ud83d"}']] as const) {
      const reply = await h.request('POST', '/tables/todos', { version, raw, headers: json })
      expect(reply.status, reply.text).toBe(400)
      expect(reply.json.error).toMatch(/well-formed Unicode/)
    }
    const batch = await h.request('POST', '/tables/$batch', { raw: '{"operations":[{"table":"todos","kind":"insert","id":"c\\ud800","item":{}}]}', headers: json })
    expect(batch.status).toBe(400)
    expect(batch.json.error).toMatch(/operations\[0\]\.id: .*well-formed Unicode/)
    expect(h.logged).toEqual([])
    expect(await h.snapshot()).toEqual(before)
    // a surrogate pair is fine: stored and answered as sent, with its Location (v3)
    const emoji = await h.request('POST', '/tables/todos', { version: '3.0.0', body: { id: 'emoji-😀', text: 'x' } })
    expect(emoji.status).toBe(201)
    expect(emoji.json.id).toBe('emoji-😀')
    expect(emoji.headers.get('location')).toMatch(/\/tables\/todos\/emoji-%F0%9F%98%80$/)
  })
})
