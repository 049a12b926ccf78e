import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BATCH_DEPTH } from '../../src/runtime/server/operations/batch'
import { startHarness, type Harness } from '../conformance/support/harness'

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
