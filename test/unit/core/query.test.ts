import { describe, expect, it } from 'vitest'
import { applyQuery, compareValues } from '../../../src/runtime/core/query'

describe('compareValues', () => {
  it('orders missing < booleans < numbers < strings < arrays, strings by code unit', () => {
    const values = ['b', [1], 2, null, true, 'B', false, -1, 'a', 'é', [0, 5]]
    expect([...values].sort(compareValues)).toEqual([null, false, true, -1, 2, 'B', 'a', 'b', 'é', [0, 5], [1]])
    expect(compareValues(undefined, null)).toBe(0)
    expect(compareValues(undefined, false)).toBeLessThan(0)
  })
})

describe('applyQuery', () => {
  const rows = [
    { id: 'c', n: 1, tag: 'x' },
    { id: 'a', n: 2, tag: null },
    { id: 'b', n: 1 },
    { id: 'd', n: null, tag: 'x' },
  ]

  it('sorts by primary key without orderBy, and ties by primary key', () => {
    expect(applyQuery([...rows], 'id').map(r => r.id)).toEqual(['a', 'b', 'c', 'd'])
    expect(applyQuery([...rows], 'id', { orderBy: 'n' }).map(r => r.id)).toEqual(['d', 'b', 'c', 'a'])
    expect(applyQuery([...rows], 'id', { orderBy: 'n', reverse: true }).map(r => r.id)).toEqual(['a', 'c', 'b', 'd'])
  })

  it('matches null against null and missing values', () => {
    expect(applyQuery([...rows], 'id', { where: { tag: null } }).map(r => r.id)).toEqual(['a', 'b'])
  })

  it('filters before paging', () => {
    expect(applyQuery([...rows], 'id', { filter: r => r.n === 1 || r.n === 2, offset: 1, limit: 1 }).map(r => r.id)).toEqual(['b'])
  })
})
