import Dexie from 'dexie'
import { describe, expect, it } from 'vitest'
import { StorageError, ValidationError } from '../../../src/runtime/core/errors'
import { storeLayout } from '../../../src/runtime/core/store-layout'
import { toStorageError } from '../../../src/runtime/dexie/dexie-errors'
import { chooseIndex } from '../../../src/runtime/dexie/dexie-query'
import { dexieStores, sameStores } from '../../../src/runtime/dexie/dexie-schema'

const layouts = storeLayout({
  todos: { columns: { listId: 'string', done: 'boolean', rank: 'number' }, indexes: ['listId', 'done', 'listId+rank', 'listId+done'] },
})
const todos = layouts.get('todos')!

describe('dexieStores', () => {
  it('derives the Dexie schema: id + declared indexes, compound as [a+b], system tables', () => {
    expect(dexieStores(layouts.values())).toEqual({
      todos: 'id, listId, done, [listId+rank], [listId+done]',
      _operations: '++seq, table, [table+itemId]',
      _conflicts: 'id, table',
      _watermarks: 'id, table',
    })
  })

  it('compares schemas regardless of index order, and notices added or dropped indexes', () => {
    expect(sameStores({ t: 'id, b, a', u: 'id' }, { t: 'id, a, b' })).toBe(true)
    expect(sameStores({ t: 'id, a' }, { t: 'id, a, b' })).toBe(false)
    expect(sameStores({ t: 'id, a, b' }, { t: 'id, a' })).toBe(false)
    expect(sameStores({ t: 'id' }, { t: 'id', u: 'id' })).toBe(false)
  })
})

describe('chooseIndex', () => {
  it.each([
    [{ listId: 'L1' }, '[listId]', 'L1'],
    [{ listId: 'L1', rank: 2 }, '[listId+rank]', ['L1', 2]],
    [{ id: 'x', done: true }, '[id]', 'x'],
    [{ listId: 'L1', done: true }, '[listId]', 'L1'], // booleans are not IndexedDB keys: no [listId+done]
    [{ listId: null, rank: 2 }, undefined, undefined],
    [{ done: false }, undefined, undefined],
    [{ rank: 2 }, undefined, undefined],
  ])('%j uses %s', (where, name, value) => {
    const plan = chooseIndex(todos, where)
    expect(plan && `[${plan.fields.join('+')}]`).toBe(name)
    expect(plan?.value).toEqual(value)
  })
})

describe('toStorageError', () => {
  it('maps Dexie and DOM errors to StorageError, keeping the cause', () => {
    const quota = new DOMException('quota', 'QuotaExceededError')
    const aborted = new Dexie.AbortError('Transaction aborted', quota)
    const mapped = toStorageError(aborted) as StorageError
    expect(mapped).toBeInstanceOf(StorageError)
    expect(mapped).toMatchObject({ code: 'STORAGE', reason: 'QuotaExceededError', quotaExceeded: true, cause: aborted })

    const bulk = new Dexie.BulkError('1 of 2 failed', { 1: new DOMException('quota', 'QuotaExceededError') })
    expect(toStorageError(bulk)).toMatchObject({ reason: 'QuotaExceededError', quotaExceeded: true })
    expect(toStorageError(new Dexie.DatabaseClosedError())).toMatchObject({ reason: 'DatabaseClosedError', quotaExceeded: false })
    expect(toStorageError(new DOMException('x', 'InvalidStateError'))).toMatchObject({ reason: 'InvalidStateError' })
  })

  it('leaves other errors alone', () => {
    const own = new ValidationError('t', 'f', 'bad')
    const app = new RangeError('app')
    expect(toStorageError(own)).toBe(own)
    expect(toStorageError(app)).toBe(app)
  })
})
