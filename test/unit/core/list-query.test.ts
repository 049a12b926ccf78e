import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/runtime/core/errors'
import { listQueryString } from '../../../src/runtime/core/sync/http/query'
import { createTableClient } from '../../../src/runtime/core/sync/table-client'

describe('list query string', () => {
  it('writes $filter, $orderby, $top, $skip and __includeDeleted in that order', () => {
    expect(listQueryString({ includeDeleted: true, skip: 0, top: 5, orderBy: 'updatedAt,id', filter: `text eq 'a b'` }))
      .toBe(`$filter=text%20eq%20'a%20b'&$orderby=updatedAt%2Cid&$top=5&$skip=0&__includeDeleted=true`)
  })

  it.each<[string, { top?: number, skip?: number }, string]>([
    ['a negative $top', { top: -1 }, '$top'],
    ['a fractional $top', { top: 1.5 }, '$top'],
    ['NaN as $skip', { skip: Number.NaN }, '$skip'],
    ['an unsafe $skip', { skip: 2 ** 53 }, '$skip'],
  ])('refuses %s with a typed ValidationError naming the parameter', (_name, query, field) => {
    const error = (() => {
      try {
        listQueryString(query, 'todos')
      }
      catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ code: 'VALIDATION', table: 'todos', field })
  })

  it('TableClient.list rejects a bad $top with ValidationError before sending anything', async () => {
    const sent: string[] = []
    const tableClient = createTableClient({
      baseUrl: 'http://127.0.0.1:9/tables',
      fetch: async (input) => {
        sent.push(String(input))
        return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } })
      },
    })
    await expect(tableClient.list('todos', { top: -5 })).rejects.toMatchObject({ code: 'VALIDATION', field: '$top' })
    expect(sent).toEqual([])
  })
})
