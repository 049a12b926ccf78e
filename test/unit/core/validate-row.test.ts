import { describe, expect, it } from 'vitest'
import { checkColumnValue, parseIsoDate } from '../../../src/runtime/core/column-value'
import { InvalidIdError, ValidationError } from '../../../src/runtime/core/errors'
import type { TableDefinition } from '../../../src/runtime/core/schema'
import { validateRow } from '../../../src/runtime/core/validate-row'

const todos: TableDefinition = {
  columns: { text: 'string', rank: 'number', done: 'boolean', due: 'date', meta: 'json' },
  owner: 'ownerId',
}

function reject(input: unknown, mode: 'insert' | 'update' = 'insert'): unknown {
  try {
    validateRow('todos', todos, input, mode)
  }
  catch (error) {
    return error
  }
  throw new Error('accepted')
}

describe('validateRow', () => {
  it('normalises dates and copies JSON', () => {
    const meta = { tags: ['a'], nested: { n: 1, skip: undefined } }
    const { id, values } = validateRow('todos', todos, {
      id: 'a1', text: 't', rank: 2, done: false, due: new Date(Date.UTC(2024, 1, 29, 10)), meta, ownerId: 'u1',
    }, 'insert')
    expect(id).toBe('a1')
    expect(values).toEqual({ text: 't', rank: 2, done: false, due: '2024-02-29T10:00:00.000Z', meta: { tags: ['a'], nested: { n: 1 } }, ownerId: 'u1' })
    expect(values.meta).not.toBe(meta)
  })

  it('accepts null for every column and skips undefined', () => {
    expect(validateRow('todos', todos, { text: null, due: null, meta: null, rank: undefined }, 'insert').values).toEqual({ text: null, due: null, meta: null })
  })

  it('ignores system columns from the app (rows read back may be passed whole)', () => {
    const { values } = validateRow('todos', todos, { id: 'a', text: 'x', version: 'v9', updatedAt: 'x', createdAt: 1, deleted: true }, 'update')
    expect(values).toEqual({ text: 'x' })
  })

  it.each([
    ['unknown column', { nope: 1 }, 'nope'],
    ['string column with a number', { text: 1 }, 'text'],
    ['number column with NaN', { rank: Number.NaN }, 'rank'],
    ['number column with Infinity', { rank: Infinity }, 'rank'],
    ['number column with a numeric string', { rank: '1' }, 'rank'],
    ['boolean column with 0', { done: 0 }, 'done'],
    ['date column with an invalid Date', { due: new Date('nope') }, 'due'],
    ['date column with a non-ISO string', { due: 'March 7, 2024' }, 'due'],
    ['date column with February 30th', { due: '2024-02-30' }, 'due'],
    ['date column with a time and no zone', { due: '2024-02-01T10:00:00' }, 'due'],
    ['date column with hour 24', { due: '2024-02-01T24:00:00Z' }, 'due'],
    ['date column with a number', { due: 1700000000000 }, 'due'],
    ['json column with a function', { meta: { f: () => 1 } }, 'meta'],
    ['json column with a Map', { meta: new Map() }, 'meta'],
    ['json column with a Date inside', { meta: { at: new Date() } }, 'meta'],
    ['json column with a bigint', { meta: [1n] }, 'meta'],
    ['json column with undefined in an array', { meta: [undefined] }, 'meta'],
    ['owner column with a number', { ownerId: 5 }, 'ownerId'],
    ['json column with a sparse array', { meta: [1, , 3] }, 'meta'], // eslint-disable-line no-sparse-arrays
    ['key inherited from Object.prototype (constructor)', { constructor: 'x' }, 'constructor'],
    ['key inherited from Object.prototype (toString)', { toString: 'x' }, 'toString'],
    ['own __proto__ key (parsed JSON)', JSON.parse('{"__proto__": {"text": "x"}}'), '__proto__'],
    ['date column with a Date after year 9999', { due: new Date(Date.UTC(10000, 0, 1)) }, 'due'],
    ['date column in year 0000 (PostgreSQL has none)', { due: '0000-06-01T00:00:00.000Z' }, 'due'],
    ['date column with a Date before year 0', { due: new Date(Date.UTC(-1, 0, 1)) }, 'due'],
    ['date column with a zone that moves it past year 9999', { due: '9999-12-31T23:30:00-01:00' }, 'due'],
  ])('rejects %s with ValidationError naming the field', (_name, input, field) => {
    expect(reject(input)).toMatchObject({ constructor: ValidationError, code: 'VALIDATION', table: 'todos', field })
  })

  // PostgreSQL cannot store U+0000 in text or in jsonb strings: such a row could never be pushed
  it.each([
    ['a string column', { text: 'a\u0000b' }, 'text'],
    ['the owner column', { ownerId: '\u0000' }, 'ownerId'],
    ['a json column that is a string', { meta: 'a\u0000' }, 'meta'],
    ['a string inside a json array', { meta: { tags: ['ok', 'a\u0000b'] } }, 'meta'],
    ['a key inside a json object', { meta: { nested: { 'a\u0000': 1 } } }, 'meta'],
  ])('rejects a NUL character in %s with ValidationError naming the field', (_name, input, field) => {
    const error = reject(input)
    expect(error).toMatchObject({ constructor: ValidationError, table: 'todos', field })
    expect((error as ValidationError).reason).toMatch(/NUL character/)
  })

  it('accepts JSON nested 100 levels deep and rejects deeper values (as the server does) with ValidationError', () => {
    const nest = (depth: number) => {
      let value: unknown = 'leaf'
      for (let i = 0; i < depth; i++) value = i % 2 ? { v: value } : [value]
      return value
    }
    expect(validateRow('todos', todos, { meta: nest(100) }, 'insert').values.meta).toEqual(nest(100))
    expect(reject({ meta: nest(101) })).toMatchObject({ constructor: ValidationError, field: 'meta' })
    expect(reject({ meta: nest(100_000) })).toMatchObject({ constructor: ValidationError, field: 'meta' })
  })

  it('rejects a circular JSON value', () => {
    const meta: Record<string, unknown> = {}
    meta.self = meta
    expect(reject({ meta })).toBeInstanceOf(ValidationError)
  })

  it.each([null, [], 'text', 5])('rejects %j instead of an object', (input) => {
    expect(reject(input)).toBeInstanceOf(ValidationError)
  })

  it.each(['', ' ', '.', '..', 'a/b', 'a+b', 'a?b', 'a"b', 'a`b', 'a\\b', 'a\u0001b', 'a\u0000b', 'x'.repeat(256), 42])('rejects the id %j with InvalidIdError', (id) => {
    expect(reject({ id })).toMatchObject({ constructor: InvalidIdError, code: 'INVALID_ID' })
  })

  it('requires an id for update, not for insert', () => {
    expect(reject({ text: 'x' }, 'update')).toBeInstanceOf(InvalidIdError)
    expect(validateRow('todos', todos, { text: 'x' }, 'insert').id).toBeUndefined()
  })
})

describe('dates', () => {
  it.each([
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-02-29T23:59Z', '2024-02-29T23:59:00.000Z'],
    ['2024-02-29T23:59:59.1234Z', '2024-02-29T23:59:59.123Z'],
    ['2024-03-01T01:30:00+02:00', '2024-02-29T23:30:00.000Z'],
  ])('%s is stored as %s', (input, stored) => {
    expect(parseIsoDate(input)).toBe(stored)
    expect(checkColumnValue('date', input)).toEqual({ ok: true, value: stored })
  })

  it.each(['2023-02-29', '2024-13-01', '2024-00-10', '2024-01-01T10:60Z', '2024-01-01T10:00+24:00', '20240101', '2023-02-29T00:00:00.000Z', '2024-04-31T00:00:00.000Z', '2024-01-01T24:00:00.000Z', '0000-01-01T00:00:00.000Z'])('%s is not a date', (input) => {
    expect(parseIsoDate(input)).toBeUndefined()
  })
})
