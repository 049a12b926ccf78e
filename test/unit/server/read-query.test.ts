import type { H3Event } from 'h3'
import { describe, expect, it } from 'vitest'
import { queryPairs, readQuery } from '../../../src/runtime/server/request/read-query'

const event = (path: string) => ({ path }) as H3Event

describe('queryPairs', () => {
  it('splits on & and on a raw ? inside a value that starts a name=value pair', () => {
    expect(queryPairs('?$inlinecount=allpages?__includeDeleted=true')).toEqual(['$inlinecount=allpages', '__includeDeleted=true'])
    expect(queryPairs('a=1?b=2?c=3&d=4')).toEqual(['a=1', 'b=2', 'c=3', 'd=4'])
  })

  it('leaves any other ? in its value, and ignores empty pairs', () => {
    expect(queryPairs('$filter=text eq \'why?\'&&x=%3Fy=1')).toEqual(['$filter=text eq \'why?\'', 'x=%3Fy=1'])
    expect(queryPairs('flag?x=1')).toEqual(['flag?x=1'])
    expect(queryPairs('')).toEqual([])
  })
})

describe('readQuery', () => {
  it('decodes names and values like h3 (+ is a space, repeated names give arrays, bad escapes stay)', () => {
    const query = readQuery(event('/tables/t?%24filter=a+eq+%27x%27&n=1&n=2&bad=%E0%A4%A&empty&__proto__=x'))
    expect({ ...query }).toEqual({ $filter: 'a eq \'x\'', n: ['1', '2'], bad: '%E0%A4%A', empty: '' })
  })

  it('reads the stock client\'s second ? as &', () => {
    expect({ ...readQuery(event('/tables/t?$inlinecount=allpages?__includeDeleted=true')) })
      .toEqual({ $inlinecount: 'allpages', __includeDeleted: 'true' })
    expect({ ...readQuery(event('/tables/t')) }).toEqual({})
  })

  it('parses a request\'s query once, and again when its path changes', () => {
    const request = { path: '/tables/t?a=1' }
    const first = readQuery(request as H3Event)
    expect({ ...first }).toEqual({ a: '1' })
    expect(readQuery(request as H3Event)).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    request.path = '/tables/t?a=2'
    expect({ ...readQuery(request as H3Event) }).toEqual({ a: '2' })
    expect(readQuery(event('/tables/t?a=1'))).not.toBe(first)
  })
})
