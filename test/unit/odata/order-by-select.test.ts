import { describe, expect, it } from 'vitest'
import { ODataError, parseOrderBy, parseSelect } from '../../../src/runtime/server/odata'
import { ctx } from './schema'

function errorOf(run: () => unknown): ODataError {
  try {
    run()
  }
  catch (error) {
    if (error instanceof ODataError) return error
    throw error
  }
  throw new Error('expected an ODataError')
}

describe('parseOrderBy', () => {
  it('reads columns and directions', () => {
    expect(parseOrderBy('a, b desc, c asc')).toEqual([
      { column: 'a', direction: 'asc' },
      { column: 'b', direction: 'desc' },
      { column: 'c', direction: 'asc' },
    ])
    expect(parseOrderBy(' updatedAt DESC ,id\tAsc', ctx)).toEqual([
      { column: 'updatedAt', direction: 'desc' },
      { column: 'id', direction: 'asc' },
    ])
    expect(parseOrderBy('')).toEqual([])
  })

  it.each([
    ['a,,b', /^\$orderby: expected a column name at position 2$/, 2],
    ['a, ', /expected a column name at position 3$/, 3],
    ['a sideways', /expected asc or desc, found 'sideways' at position 2$/, 2],
    ['a desc b', /expected '<column> \[asc\|desc\]', found 'a desc b' at position 0$/, 0],
    ['n, nope desc', /unknown column 'nope' at position 3$/, 3],
    ['text; drop table x', /expected '<column> \[asc\|desc\]'.* at position 0$/, 0],
    ['a/b', /expected '<column> \[asc\|desc\]'/, 0],
    ['x'.repeat(8193), /longer than 8192 characters$/, undefined],
  ])('rejects %s', (text, message, position) => {
    const error = errorOf(() => parseOrderBy(text, ctx))
    expect(error.message).toMatch(message)
    expect(error.position).toBe(position)
  })
})

describe('parseSelect', () => {
  it('reads a comma list, tolerating white space', () => {
    expect(parseSelect('id,text ,  n\t, updatedAt', ctx)).toEqual(['id', 'text', 'n', 'updatedAt'])
    expect(parseSelect('text,text')).toEqual(['text'])
    expect(parseSelect('')).toEqual([])
    expect(parseSelect(' * ')).toEqual([])
  })

  it.each([
    ['id,nope', /^\$select: unknown column 'nope' at position 3$/, 3],
    ['id,,text', /expected a column name at position 3$/, 3],
    ['id, text desc', /expected a column name, found 'text desc' at position 4$/, 4],
    ['id,"text"', /expected a column name, found '"text"' at position 3$/, 3],
    ['id,*', /expected a column name, found '\*' at position 3$/, 3],
  ])('rejects %s', (text, message, position) => {
    const error = errorOf(() => parseSelect(text, ctx))
    expect(error.message).toMatch(message)
    expect(error.position).toBe(position)
  })
})
