import { describe, expect, it } from 'vitest'
import { checkFilter, compileFilter, ODataError, parseFilter, type FilterNode } from '../../../src/runtime/server/odata'
import { ctx } from './schema'

const wellTyped = [
  '(updatedAt ge datetimeoffset\'2016-06-13T10:00:00.000Z\')',
  '(userId eq \'x\') and complete',
  'not done',
  'substringof(\'milk\', text) or contains(text, \'x\')',
  'meta eq null or null ne meta',
  'due gt \'2024-06-01T00:00:00Z\' and \'2024-06-01T00:00:00Z\' le createdAt',
  'id in (\'a\', null) and due in (\'2024-01-01T00:00:00Z\', 2024-01-02T00:00:00Z)',
  'length(text) add indexof(text, \'a\') mul -n gt 1 and year(due) eq 2024 and round(n) ne floor(n)',
  'cast(due, Edm.DateTimeOffset) lt updatedAt',
  'version eq \'AAAA\' and deleted eq false',
  'done eq complete and done gt false',
  'null eq null',
]

describe('checkFilter accepts well-typed filters', () => {
  it.each(wellTyped)('%s', (text) => {
    expect(() => checkFilter(parseFilter(text), ctx)).not.toThrow()
  })
})

const illTyped: [string, RegExp, number][] = [
  ['nope eq 1', /unknown column 'nope' at position 0$/, 0],
  ['done and Text eq \'a\'', /unknown column 'Text' at position 9$/, 9],
  ['n eq \'x\'', /cannot compare number column 'n' with string 'x' at position 2$/, 2],
  ['done eq 1', /cannot compare boolean column 'done' with number 1 at position 5$/, 5],
  ['text gt 5', /cannot compare string column 'text' with number 5/, 5],
  ['updatedAt gt \'yesterday\'', /cannot compare date column 'updatedAt' with string 'yesterday'/, 10],
  ['text eq datetime\'2024-01-01T00:00:00Z\'', /cannot compare string column 'text' with date 2024-01-01T00:00:00.000Z/, 5],
  ['tolower(n) eq \'x\'', /argument 1 of 'tolower' needs a string, got number column 'n' at position 8$/, 8],
  ['substringof(text, 1)', /argument 2 of 'substringof' needs a string, got number 1 at position 18$/, 18],
  ['year(text) eq 2024', /argument 1 of 'year' needs a date, got string column 'text'/, 5],
  ['round(text) eq 1', /argument 1 of 'round' needs a number, got string column 'text'/, 6],
  ['substring(text, \'1\') eq \'a\'', /argument 2 of 'substring' needs a number, got string '1'/, 16],
  ['length(text) eq \'4\'', /cannot compare length\(…\), a number with string '4'/, 13],
  ['text', /the filter must be a boolean expression, got string column 'text' at position 0$/, 0],
  ['n add 1', /the filter must be a boolean expression, got a number expression at position 2$/, 2],
  ['meta eq \'x\'', /json column 'meta' can only be compared with null at position 0$/, 0],
  ['n gt null', /'gt' cannot compare with null \(use eq or ne\) at position 2$/, 2],
  ['text add 1 eq 2', /'add' needs a number, got string column 'text' at position 0$/, 0],
  ['not text', /'not' needs a boolean, got string column 'text' at position 4$/, 4],
  ['-text eq 1', /unary minus needs a number, got string column 'text' at position 1$/, 1],
  ['done and n', /'and' needs a boolean, got number column 'n' at position 9$/, 9],
  ['done or \'true\'', /'or' needs a boolean, got string 'true' at position 8$/, 8],
  ['id in (1, 2)', /'in' value number 1 does not match string column 'id' at position 7$/, 7],
  ['meta in (null)', /'in' cannot test json column 'meta' at position 0$/, 0],
  ['cast(text, Edm.DateTimeOffset) gt updatedAt', /cast to Edm.DateTimeOffset needs a date, got string column 'text' at position 5$/, 5],
  ['n add null eq 1', /'add' needs a number, got null at position 6$/, 6],
]

describe('checkFilter rejects ill-typed filters, naming the field', () => {
  it.each(illTyped)('%s', (text, message, position) => {
    for (const check of [checkFilter, compileFilter]) {
      let error: unknown
      try {
        check(parseFilter(text), ctx)
      }
      catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ODataError)
      expect((error as ODataError).message).toMatch(message)
      expect((error as ODataError).position).toBe(position)
    }
  })

  it('checks hand-built trees too (no position then)', () => {
    const node: FilterNode = { kind: 'call', name: 'nope', args: [] }
    expect(() => checkFilter(node, ctx)).toThrow(/^\$filter: unknown function 'nope'$/)
  })

  it('knows the system columns without declaring them', () => {
    for (const column of ['id', 'createdAt', 'updatedAt', 'version', 'deleted']) {
      expect(() => checkFilter(parseFilter(`${column} ne null`), { columns: {} })).not.toThrow()
    }
    expect(() => checkFilter(parseFilter('text ne null'), { columns: {} })).toThrow(/unknown column 'text'/)
  })
})
