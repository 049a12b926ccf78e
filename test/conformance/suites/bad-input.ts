import { beforeAll, describe, expect, it } from 'vitest'
import { newId, type Harness, type RequestInit } from '../support/harness'

interface BadCase {
  name: string
  method: string
  path: string
  init?: RequestInit
  status: number
  /** What the error message must mention. */
  message?: RegExp
}

/** Malformed headers, bodies, ids, query options and injection attempts: each refused with a message, nothing written. */
export function badInputSuite(harness: () => Harness, maxBodySize: number): void {
  const h = () => harness()
  const existing = newId('existing')

  beforeAll(async () => {
    const reply = await h().request('POST', '/tables/todos', { body: { id: existing, text: 'untouched', done: false, priority: 1 } })
    expect(reply.status).toBe(201)
  })

  const cases = (): BadCase[] => [
    { name: 'missing ZUMO-API-VERSION', method: 'GET', path: '/tables/todos', init: { version: null }, status: 400, message: /ZUMO-API-VERSION/ },
    { name: 'unknown ZUMO-API-VERSION', method: 'POST', path: '/tables/todos', init: { version: '1.0.0' as never, body: { text: 'x' } }, status: 400, message: /ZUMO-API-VERSION/ },
    { name: 'unknown table', method: 'POST', path: '/tables/nope', init: { body: { text: 'x' } }, status: 404, message: /nope/ },
    { name: 'prototype name as table', method: 'GET', path: '/tables/constructor', status: 404 },
    { name: '__proto__ as table', method: 'GET', path: '/tables/__proto__', status: 404 },
    { name: 'malformed JSON', method: 'POST', path: '/tables/todos', init: { raw: '{"text": "x",', headers: { 'content-type': 'application/json' } }, status: 400, message: /JSON/ },
    { name: 'JSON array body', method: 'POST', path: '/tables/todos', init: { body: [{ text: 'x' }] }, status: 400, message: /object/ },
    { name: 'JSON null body', method: 'PATCH', path: `/tables/todos/${existing}`, init: { raw: 'null', headers: { 'content-type': 'application/json' } }, status: 400, message: /object/ },
    { name: 'empty body', method: 'POST', path: '/tables/todos', init: { raw: '', headers: { 'content-type': 'application/json' } }, status: 400, message: /body/ },
    { name: 'non-JSON content type', method: 'POST', path: '/tables/todos', init: { raw: 'text=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, status: 415, message: /JSON/ },
    { name: 'oversized body', method: 'POST', path: '/tables/todos', init: { body: { text: 'x'.repeat(maxBodySize) } }, status: 413, message: /larger/ },
    { name: 'oversized chunked body', method: 'POST', path: '/tables/todos', init: { chunked: true, body: { text: 'x'.repeat(maxBodySize) } }, status: 413, message: /larger/ },
    { name: 'unknown column', method: 'POST', path: '/tables/todos', init: { body: { text: 'x', colour: 'red' } }, status: 400, message: /colour/ },
    { name: 'prototype key in body', method: 'POST', path: '/tables/todos', init: { raw: '{"__proto__": {"text": "x"}}', headers: { 'content-type': 'application/json' } }, status: 400, message: /__proto__/ },
    { name: 'string for a number', method: 'POST', path: '/tables/todos', init: { body: { priority: '3' } }, status: 400, message: /priority/ },
    { name: 'number for a boolean', method: 'PATCH', path: `/tables/todos/${existing}`, init: { body: { done: 1 } }, status: 400, message: /done/ },
    { name: 'not a date', method: 'POST', path: '/tables/todos', init: { body: { due: 'tomorrow' } }, status: 400, message: /due/ },
    { name: 'date without zone', method: 'POST', path: '/tables/todos', init: { body: { due: '2024-01-01T00:00:00' } }, status: 400, message: /due/ },
    { name: 'date that does not exist (Feb 30)', method: 'POST', path: '/tables/todos', init: { body: { due: '2024-02-30T00:00:00.000Z' } }, status: 400, message: /due/ },
    { name: 'hour 24', method: 'PATCH', path: `/tables/todos/${existing}`, init: { body: { due: '2024-01-01T24:00:00.000Z' } }, status: 400, message: /due/ },
    { name: 'number beyond a double (1e400)', method: 'POST', path: '/tables/todos', init: { raw: '{"priority": 1e400}', headers: { 'content-type': 'application/json' } }, status: 400, message: /priority/ },
    { name: 'number beyond a double in a json value', method: 'PATCH', path: `/tables/todos/${existing}`, init: { raw: '{"meta": {"big": [1, -1e400]}}', headers: { 'content-type': 'application/json' } }, status: 400, message: /meta/ },
    { name: 'json value that is a number beyond a double', method: 'POST', path: '/tables/todos', init: { raw: '{"meta": 1e400}', headers: { 'content-type': 'application/json' } }, status: 400, message: /meta/ },
    { name: 'JSON nested 5000 deep', method: 'POST', path: '/tables/todos', init: { raw: `{"meta": ${'['.repeat(5000)}${']'.repeat(5000)}}`, headers: { 'content-type': 'application/json' } }, status: 400, message: /meta/ },
    { name: 'NUL character in a string column', method: 'POST', path: '/tables/todos', init: { body: { text: 'a\u0000b' } }, status: 400, message: /todos\.text.*NUL/ },
    { name: 'NUL character in a string column (PATCH)', method: 'PATCH', path: `/tables/todos/${existing}`, init: { body: { text: '\u0000' } }, status: 400, message: /todos\.text.*NUL/ },
    { name: 'NUL character in a string inside a json value', method: 'PATCH', path: `/tables/todos/${existing}`, init: { body: { meta: { tags: ['ok', 'a\u0000'] } } }, status: 400, message: /todos\.meta.*NUL/ },
    { name: 'json value that is a string with a NUL character', method: 'POST', path: '/tables/todos', init: { body: { meta: '\u0000' } }, status: 400, message: /todos\.meta.*NUL/ },
    { name: 'NUL character in a key inside a json value', method: 'POST', path: '/tables/todos', init: { raw: '{"meta": {"a\\u0000": 1}}', headers: { 'content-type': 'application/json' } }, status: 400, message: /todos\.meta.*NUL/ },
    { name: 'number id', method: 'POST', path: '/tables/todos', init: { body: { id: 5, text: 'x' } }, status: 400, message: /id/ },
    { name: 'id with a slash', method: 'POST', path: '/tables/todos', init: { body: { id: 'a/b', text: 'x' } }, status: 400, message: /id/ },
    { name: 'id of 256 characters', method: 'POST', path: '/tables/todos', init: { body: { id: 'x'.repeat(256) } }, status: 400, message: /255/ },
    { name: 'blank id', method: 'POST', path: '/tables/todos', init: { body: { id: '   ' } }, status: 400, message: /white space/ },
    { name: 'NUL character in the body id', method: 'POST', path: '/tables/todos', init: { body: { id: 'a\u0000b', text: 'x' } }, status: 400, message: /control/ },
    { name: 'dot-dot id', method: 'POST', path: '/tables/todos', init: { body: { id: '..' } }, status: 400, message: /id/ },
    { name: 'blank id in the URL', method: 'GET', path: '/tables/todos/%20%20', status: 400, message: /white space/ },
    { name: 'control character in the URL id', method: 'PATCH', path: '/tables/todos/a%00b', init: { body: { text: 'x' } }, status: 400, message: /control/ },
    { name: 'encoded slash in the URL id', method: 'DELETE', path: `/tables/todos/a%2F${existing}`, status: 400, message: /id/ },
    { name: 'malformed percent-encoding in the URL (kept literally)', method: 'GET', path: '/tables/todos/%E0%A4%A', status: 404 },
    { name: 'body id differs from the URL id', method: 'PATCH', path: `/tables/todos/${existing}`, init: { body: { id: 'other', text: 'x' } }, status: 400, message: /ID/ },
    { name: 'deleted: "yes"', method: 'PATCH', path: `/tables/todos/${existing}`, init: { body: { deleted: 'yes' } }, status: 400, message: /deleted/ },
    { name: 'soft delete through PATCH on a hard-delete table', method: 'PATCH', path: `/tables/hard/${existing}`, init: { body: { deleted: true } }, status: 400, message: /soft delete/ },
    { name: 'DELETE on the table URL', method: 'DELETE', path: '/tables/todos', status: 405 },
    { name: '$top too big', method: 'GET', path: '/tables/todos?$top=1001', status: 400, message: /1000/ },
    { name: '$top negative', method: 'GET', path: '/tables/todos?$top=-1', status: 400, message: /\$top/ },
    { name: '$skip not a number', method: 'GET', path: '/tables/todos?$skip=ten', status: 400, message: /\$skip/ },
    { name: '$top twice', method: 'GET', path: '/tables/todos?$top=1&$top=2', status: 400, message: /\$top/ },
    { name: '$count not boolean', method: 'GET', path: '/tables/todos?$count=yes', status: 400, message: /\$count/ },
    { name: 'filter that does not parse', method: 'GET', path: `/tables/todos?$filter=${encodeURIComponent('text eq')}`, status: 400, message: /\$filter.*position/ },
    { name: 'filter on an unknown column', method: 'GET', path: `/tables/todos?$filter=${encodeURIComponent('colour eq \'red\'')}`, status: 400, message: /colour/ },
    { name: 'filter comparing a string with a number', method: 'GET', path: `/tables/todos?$filter=${encodeURIComponent('text gt 5')}`, status: 400, message: /\$filter/ },
    { name: 'SQL after a filter', method: 'GET', path: `/tables/todos?$filter=${encodeURIComponent('text eq \'a\'; drop table todos')}`, status: 400, message: /\$filter/ },
    { name: 'SQL comment in a filter', method: 'DELETE', path: `/tables/todos/${existing}?$filter=${encodeURIComponent('1 eq 1 --')}`, init: { headers: { 'If-Match': '"stale"' } }, status: 412 },
    { name: 'SQL in $orderby', method: 'GET', path: `/tables/todos?$orderby=${encodeURIComponent('text; drop table todos')}`, status: 400, message: /\$orderby/ },
    { name: 'quoted name in $orderby', method: 'GET', path: `/tables/todos?$orderby=${encodeURIComponent('"text"')}`, status: 400, message: /\$orderby/ },
    { name: 'unknown column in $select', method: 'GET', path: '/tables/todos?$select=text,password', status: 400, message: /password/ },
    { name: 'SQL in $select', method: 'GET', path: `/tables/todos?$select=${encodeURIComponent('text from todos;--')}`, status: 400, message: /\$select/ },
    { name: 'SQL in an id', method: 'GET', path: `/tables/todos/${encodeURIComponent('x\' or \'1\'=\'1')}`, status: 404 },
  ]

  describe('bad input', () => {
    it('is refused with the expected status and a message naming the problem, and changes no data', async () => {
      const before = await h().snapshot()
      for (const c of cases()) {
        const reply = await h().request(c.method, c.path, c.init)
        expect(reply.status, `${c.name}: ${reply.text.slice(0, 300)}`).toBe(c.status)
        if (c.status !== 412) {
          expect(typeof reply.json?.error, c.name).toBe('string')
          if (c.message) expect(reply.json.error, c.name).toMatch(c.message)
        }
        expect(reply.text, c.name).not.toMatch(/\bat .+:\d+:\d+|stack|select |insert into|syntax error|kysely|pglite/i)
      }
      expect(await h().snapshot()).toEqual(before)
    })

    it('a quote inside a string literal stays data: the filter matches nothing instead of everything', async () => {
      const reply = await h().request('GET', `/tables/todos?$filter=${encodeURIComponent('text eq \'x\'\' or \'\'1\'\'=\'\'1\'')}`)
      expect(reply.status).toBe(200)
      expect(reply.json).toEqual([])
      const control = await h().request('GET', `/tables/todos?$filter=${encodeURIComponent('text eq \'untouched\'')}`)
      expect(control.json.map((item: { id: string }) => item.id)).toContain(existing)
    })

    it('an unexpected failure is a 500 without details; the details are logged', async () => {
      const unhook = h().hooks.hook('offline-sync:authorize', () => {
        throw new Error('secret internal detail')
      })
      try {
        const reply = await h().request('GET', '/tables/todos')
        expect(reply.status).toBe(500)
        expect(reply.json).toEqual({ error: 'An internal error occurred' })
        expect(reply.text).not.toContain('secret')
        expect(h().logged.some(error => String(error).includes('secret internal detail'))).toBe(true)
      }
      finally {
        unhook()
      }
    })
  })
}
