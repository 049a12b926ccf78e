import { afterEach, describe, expect, it } from 'vitest'
import { StorageError, UnknownTableError } from '../../../src/runtime/core/errors'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import type { LocalStore, QuerySpec, Row } from '../../../src/runtime/core/store'
import { storeFactories, watch } from './stores'

const tables: TablesDefinition = {
  items: {
    columns: { listId: 'string', rank: 'number', done: 'boolean', title: 'string' },
    indexes: ['listId', 'rank', 'done', 'listId+rank', 'listId+done'],
  },
  other: { columns: { text: 'string' } },
}

const rows: Row[] = [
  { id: 'a', listId: 'L1', rank: 3, done: false, title: 'apple' },
  { id: 'b', listId: 'L1', rank: 1, done: true, title: 'banana' },
  { id: 'c', listId: 'L2', rank: 2, done: false },
  { id: 'd', listId: 'L2', rank: 2, done: true, title: 'date' },
  { id: 'e', listId: 'L1', rank: 1, done: false, title: null },
  { id: 'f', listId: 'L3', rank: 5, done: false, title: 'fig' },
]

describe.each(storeFactories)('LocalStore contract: $kind', ({ create }) => {
  let store: LocalStore
  afterEach(() => store?.close())

  async function seeded(): Promise<LocalStore> {
    store = create(tables)
    await store.transaction('readwrite', ['items'], tx => tx.bulkPut('items', rows))
    return store
  }
  const ids = (spec?: QuerySpec) => store.transaction('readonly', ['items'], tx => tx.query('items', spec)).then(r => r.map(row => row.id))
  const count = (spec?: QuerySpec) => store.transaction('readonly', ['items'], tx => tx.count('items', spec))

  it('commits the writes of a transaction together, reading its own writes', async () => {
    store = create(tables)
    const seen = await store.transaction('readwrite', ['items', 'other'], async (tx) => {
      await tx.put('items', { id: 'x', title: 'one' })
      await tx.put('other', { id: 'y', text: 'two' })
      return tx.get('items', 'x')
    })
    expect(seen).toEqual({ id: 'x', title: 'one' })
    const after = await store.transaction('readonly', ['items', 'other'], async tx => [await tx.get('items', 'x'), await tx.get('other', 'y')])
    expect(after).toEqual([{ id: 'x', title: 'one' }, { id: 'y', text: 'two' }])
  })

  it('drops every write when the callback throws, and rethrows its error unchanged', async () => {
    await seeded()
    const boom = new RangeError('midway')
    const error = await store.transaction('readwrite', ['items', 'other'], async (tx) => {
      await tx.put('items', { id: 'x' })
      await tx.bulkPut('other', [{ id: 'y' }, { id: 'z' }])
      await tx.delete('items', 'a')
      await tx.bulkDelete('items', ['b', 'c'])
      await tx.clear('items')
      throw boom
    }).catch(e => e)
    expect(error).toBe(boom)
    expect(await ids()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    expect(await store.transaction('readonly', ['other'], tx => tx.count('other'))).toBe(0)
  })

  it('rolls back a transaction that failed in storage (value that cannot be cloned) with StorageError', async () => {
    await seeded()
    const error = await store.transaction('readwrite', ['items'], async (tx) => {
      await tx.put('items', { id: 'x' })
      await tx.put('items', { id: 'y', fn: () => 1 })
    }).catch(e => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(error.reason).toBe('DataCloneError')
    expect(await store.transaction('readonly', ['items'], tx => tx.get('items', 'x'))).toBeUndefined()
  })

  it('deletes, bulk-deletes and clears', async () => {
    await seeded()
    await store.transaction('readwrite', ['items'], async (tx) => {
      await tx.delete('items', 'a')
      await tx.bulkDelete('items', ['b', 'c', 'nope'])
    })
    expect(await ids()).toEqual(['d', 'e', 'f'])
    await store.transaction('readwrite', ['items'], tx => tx.clear('items'))
    expect(await count()).toBe(0)
  })

  it('hands out copies: changing a record read or written changes nothing stored', async () => {
    store = create(tables)
    const row = { id: 'x', title: 'one' }
    await store.transaction('readwrite', ['items'], tx => tx.put('items', row))
    row.title = 'changed'
    const read = await store.transaction('readonly', ['items'], tx => tx.get('items', 'x'))
    read!.title = 'changed too'
    expect(await store.transaction('readonly', ['items'], tx => tx.get('items', 'x'))).toEqual({ id: 'x', title: 'one' })
  })

  it('generates increasing keys for _operations and returns the key from put', async () => {
    store = create(tables)
    const keys = await store.transaction('readwrite', ['_operations'], async tx => [
      await tx.put('_operations', { table: 'items', itemId: 'a' }),
      await tx.put('_operations', { table: 'items', itemId: 'b' }),
    ])
    expect(keys).toEqual([1, 2])
    await store.transaction('readwrite', ['_operations'], tx => tx.delete('_operations', 2))
    const next = await store.transaction('readwrite', ['_operations'], tx => tx.put('_operations', { table: 'items', itemId: 'c' }))
    expect(next).toBe(3)
    expect(await store.transaction('readwrite', ['items'], tx => tx.put('items', { id: 'k' }))).toBe('k')
  })

  it('runs write transactions one after another (no lost update)', async () => {
    store = create(tables)
    await store.transaction('readwrite', ['other'], tx => tx.put('other', { id: 'n', text: '' }))
    const append = (letter: string) => store.transaction('readwrite', ['other'], async (tx) => {
      const row = await tx.get('other', 'n')
      await tx.put('other', { id: 'n', text: `${row!.text}${letter}` })
    })
    await Promise.all([append('a'), append('b'), append('c')])
    const text = (await store.transaction('readonly', ['other'], tx => tx.get('other', 'n')))!.text as string
    expect([...text].sort().join('')).toBe('abc')
  })

  it('refuses unknown tables, tables outside the transaction and writes in readonly mode', async () => {
    store = create(tables)
    await expect(store.transaction('readonly', ['nope'], async () => 1)).rejects.toBeInstanceOf(UnknownTableError)
    await expect(store.transaction('readonly', ['items'], tx => tx.get('nope', 'a'))).rejects.toBeInstanceOf(UnknownTableError)
    await expect(store.transaction('readonly', ['items'], tx => tx.get('other', 'a'))).rejects.toMatchObject({ code: 'STORAGE', reason: 'NotFoundError' })
    await expect(store.transaction('readonly', ['items'], tx => tx.put('items', { id: 'a' }))).rejects.toMatchObject({ code: 'STORAGE', reason: 'ReadOnlyError' })
    await expect(store.transaction('readwrite', ['items'], tx => tx.put('items', { title: 'no id' }))).rejects.toMatchObject({ code: 'STORAGE', reason: 'DataError' })
  })

  it('rejects with StorageError once closed', async () => {
    store = create(tables)
    await store.transaction('readonly', ['items'], tx => tx.count('items'))
    await store.close()
    await expect(store.transaction('readonly', ['items'], tx => tx.count('items'))).rejects.toMatchObject({ code: 'STORAGE', reason: 'DatabaseClosedError' })
  })

  describe('queries (same rows, same order in both stores)', () => {
    it.each<[string, QuerySpec, string[]]>([
      ['everything, by primary key', {}, ['a', 'b', 'c', 'd', 'e', 'f']],
      ['reverse', { reverse: true }, ['f', 'e', 'd', 'c', 'b', 'a']],
      ['indexed field', { where: { listId: 'L1' } }, ['a', 'b', 'e']],
      ['indexed field, reverse, paged', { where: { listId: 'L1' }, reverse: true, offset: 1, limit: 1 }, ['b']],
      ['primary key', { where: { id: 'c' } }, ['c']],
      ['compound index', { where: { listId: 'L1', rank: 1 } }, ['b', 'e']],
      ['boolean (never indexed)', { where: { done: true } }, ['b', 'd']],
      ['string + boolean', { where: { listId: 'L2', done: false } }, ['c']],
      ['unindexed field', { where: { title: 'fig' } }, ['f']],
      ['null matches null and missing', { where: { title: null } }, ['c', 'e']],
      ['no match', { where: { listId: 'L9' } }, []],
      ['number is not a string', { where: { rank: '1' as unknown as number } }, []],
      ['orderBy a complete index', { orderBy: 'rank' }, ['b', 'e', 'c', 'd', 'a', 'f']],
      ['orderBy a complete index, reverse, paged', { orderBy: 'rank', reverse: true, offset: 1, limit: 3 }, ['a', 'd', 'c']],
      ['orderBy an unindexed field with nulls', { orderBy: 'title' }, ['c', 'e', 'a', 'b', 'd', 'f']],
      ['orderBy with where', { where: { listId: 'L1' }, orderBy: 'rank' }, ['b', 'e', 'a']],
      ['orderBy the primary key', { orderBy: 'id', reverse: true, limit: 2 }, ['f', 'e']],
      ['filter before paging', { filter: r => r.done === false, offset: 1, limit: 2 }, ['c', 'e']],
      ['where + filter', { where: { listId: 'L1' }, filter: r => (r.rank as number) < 3 }, ['b', 'e']],
      ['limit 0', { limit: 0 }, []],
      ['offset past the end', { offset: 10 }, []],
    ])('%s', async (_name, spec, expected) => {
      await seeded()
      expect(await ids(spec)).toEqual(expected)
      expect(await count(spec)).toBe(expected.length)
    })

    it('orders by an index that misses some rows (null values) without losing them', async () => {
      await seeded()
      await store.transaction('readwrite', ['items'], tx => tx.put('items', { id: 'g', listId: 'L1', rank: null }))
      expect(await ids({ orderBy: 'rank', limit: 3 })).toEqual(['g', 'b', 'e'])
      expect(await count({ orderBy: 'rank' })).toBe(7)
    })

    it('queries _operations by [table+itemId] in queue order', async () => {
      store = create(tables)
      await store.transaction('readwrite', ['_operations'], tx => tx.bulkPut('_operations', [
        { table: 'items', itemId: 'a', n: 1 }, { table: 'other', itemId: 'a', n: 2 }, { table: 'items', itemId: 'a', n: 3 }, { table: 'items', itemId: 'b', n: 4 },
      ]))
      const found = await store.transaction('readonly', ['_operations'], tx => tx.query<{ n: number }>('_operations', { where: { table: 'items', itemId: 'a' }, reverse: true }))
      expect(found.map(op => op.n)).toEqual([3, 1])
    })

    it('rejects a malformed spec with ValidationError', async () => {
      await seeded()
      await expect(ids({ limit: -1 })).rejects.toMatchObject({ code: 'VALIDATION', field: 'limit' })
      await expect(ids({ offset: 1.5 })).rejects.toMatchObject({ code: 'VALIDATION', field: 'offset' })
      await expect(ids({ where: { listId: {} as unknown as string } })).rejects.toMatchObject({ code: 'VALIDATION', field: 'listId' })
    })
  })

  describe('observe', () => {
    it('emits the first result, then after every commit that changes what it read', async () => {
      await seeded()
      const live = watch(store.observe(tx => tx.query('items', { where: { listId: 'L3' } })))
      await live.until(v => v.length === 1)
      await store.transaction('readwrite', ['items'], tx => tx.put('items', { id: 'g', listId: 'L3' }))
      await live.until(v => v.map(r => r.id).join() === 'f,g')
      await store.transaction('readwrite', ['items'], tx => tx.put('items', { id: 'g', listId: 'L3', title: 'new' }))
      await live.until(v => v[1]?.title === 'new')
      await store.transaction('readwrite', ['items'], tx => tx.delete('items', 'f'))
      await live.until(v => v.map(r => r.id).join() === 'g')
      live.stop()
      expect(live.errors).toEqual([])
    })

    it('tracks every table read, across awaits', async () => {
      await seeded()
      const live = watch(store.observe(async (tx) => {
        const first = await tx.count('items')
        const second = await tx.count('other')
        return first + second
      }))
      await live.until(v => v === 6)
      await store.transaction('readwrite', ['other'], tx => tx.put('other', { id: 'o' }))
      await live.until(v => v === 7)
      live.stop()
    })

    it('reports an error of the query to the error callback', async () => {
      store = create(tables)
      const failure = new Error('query failed')
      const errors: unknown[] = []
      await new Promise<void>((resolve) => {
        store.observe(async () => {
          throw failure
        }).subscribe(() => undefined, (error) => {
          errors.push(error)
          resolve()
        })
      })
      expect(errors).toEqual([failure])
    })
  })
})
