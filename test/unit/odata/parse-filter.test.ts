import { describe, expect, it } from 'vitest'
import { ODataError, parseFilter, type FilterNode } from '../../../src/runtime/server/odata'
import { and, arith, bool, call, cast, cmp, col, date, inList, neg, not, nul, num, or, str } from './builders'

const updatedAt = col('updatedAt')

const cases: [string, FilterNode][] = [
  // JSC (azure-mobile-apps-client) incremental pull, before and after its datetime' → datetimeoffset' rewrite
  ['(updatedAt ge datetimeoffset\'2016-06-13T10:00:00.000Z\')', cmp(updatedAt, 'ge', date('2016-06-13T10:00:00.000Z'))],
  ['(updatedAt ge datetime\'2016-06-13T10:00:00.000Z\')', cmp(updatedAt, 'ge', date('2016-06-13T10:00:00.000Z'))],
  // NETC: ToString("o"), seven digits and +00:00
  ['(updatedAt ge datetimeoffset\'1970-01-01T00:00:00.0000000+00:00\')', cmp(updatedAt, 'ge', date('1970-01-01T00:00:00.000Z'))],
  ['updatedAt ge datetimeoffset\'2016-10-10T12:08:35.2470000+00:00\'', cmp(updatedAt, 'ge', date('2016-10-10T12:08:35.247Z'))],
  ['updatedAt ge datetimeoffset\'2016-10-10T12:08:35.2479999+00:00\'', cmp(updatedAt, 'ge', date('2016-10-10T12:08:35.2479999Z'))],
  ['updatedAt ge datetimeoffset\'2016-10-10T14:08:35.247+02:00\'', cmp(updatedAt, 'ge', date('2016-10-10T12:08:35.247Z'))],
  ['updatedAt ge datetimeoffset\'2016-01-01T01:00:00+02:00\'', cmp(updatedAt, 'ge', date('2015-12-31T23:00:00.000Z'))],
  ['updatedAt ge datetimeoffset\'2016-02-28T23:30:00-01:00\'', cmp(updatedAt, 'ge', date('2016-02-29T00:30:00.000Z'))],
  // an undecoded '+' arrives as a space
  ['updatedAt ge datetimeoffset\'2016-10-10T12:08:35.2470000 00:00\'', cmp(updatedAt, 'ge', date('2016-10-10T12:08:35.247Z'))],
  ['updatedAt ge datetime\'2016-06-13\'', cmp(updatedAt, 'ge', date('2016-06-13T00:00:00.000Z'))],
  ['updatedAt ge DateTimeOffset\'2016-06-13T10:00:00Z\'', cmp(updatedAt, 'ge', date('2016-06-13T10:00:00.000Z'))],
  // CTK (v3)
  ['(updatedAt gt cast(2024-12-24T08:00:00.123Z,Edm.DateTimeOffset))', cmp(updatedAt, 'gt', date('2024-12-24T08:00:00.123Z'))],
  ['updatedAt gt cast(\'2024-12-24T08:00:00.123Z\', Edm.DateTimeOffset)', cmp(updatedAt, 'gt', date('2024-12-24T08:00:00.123Z'))],
  ['updatedAt gt cast(due, Edm.DateTimeOffset)', cmp(updatedAt, 'gt', cast(col('due')))],
  ['updatedAt gt 2024-12-24T08:00:00.123+01:00', cmp(updatedAt, 'gt', date('2024-12-24T07:00:00.123Z'))],
  ['((deleted eq false) and (updatedAt gt cast(2024-12-24T08:00:00.123Z,Edm.DateTimeOffset)))',
    and(cmp(col('deleted'), 'eq', bool(false)), cmp(updatedAt, 'gt', date('2024-12-24T08:00:00.123Z')))],
  // string functions, v2 needle first and v4 haystack first
  ['substringof(\'milk\',text)', call('substringof', str('milk'), col('text'))],
  ['contains(text,\'milk\')', call('contains', col('text'), str('milk'))],
  ['startswith(tolower(text), \'mi\')', call('startswith', call('tolower', col('text')), str('mi'))],
  ['ToLower(text) eq \'x\'', cmp(call('tolower', col('text')), 'eq', str('x'))],
  ['substring(text, 1, 2) eq \'il\'', cmp(call('substring', col('text'), num(1), num(2)), 'eq', str('il'))],
  ['substring(text, 1) eq \'ilk\'', cmp(call('substring', col('text'), num(1)), 'eq', str('ilk'))],
  ['concat(concat(text, \'-\'), userId) eq \'a-b\'', cmp(call('concat', call('concat', col('text'), str('-')), col('userId')), 'eq', str('a-b'))],
  ['year(due) eq 2024 and round(n) ge 2', and(cmp(call('year', col('due')), 'eq', num(2024)), cmp(call('round', col('n')), 'ge', num(2)))],
  // the bare boolean column form of the stock JS client, and not
  ['(userId eq \'x\') and complete', and(cmp(col('userId'), 'eq', str('x')), col('complete'))],
  ['not done', not(col('done'))],
  ['not (text eq \'a\')', not(cmp(col('text'), 'eq', str('a')))],
  ['not done eq true', cmp(not(col('done')), 'eq', bool(true))],
  ['not not done', not(not(col('done')))],
  ['not(done)', not(col('done'))],
  ['(substringof(\'milk\',text) eq true)', cmp(call('substringof', str('milk'), col('text')), 'eq', bool(true))],
  ['(indexof(text,\'x\') ge 0)', cmp(call('indexof', col('text'), str('x')), 'ge', num(0))],
  // precedence: or < and < eq ne < gt ge lt le < add sub < mul div mod
  ['a or b and c', or(col('a'), and(col('b'), col('c')))],
  ['a and b or c', or(and(col('a'), col('b')), col('c'))],
  ['a and b and c', and(col('a'), col('b'), col('c'))],
  ['a or (b or c)', or(col('a'), col('b'), col('c'))],
  ['(a or b) and c', and(or(col('a'), col('b')), col('c'))],
  ['done eq n gt 1', cmp(col('done'), 'eq', cmp(col('n'), 'gt', num(1)))],
  ['n add 2 mul 3 gt 7', cmp(arith(col('n'), 'add', arith(num(2), 'mul', num(3))), 'gt', num(7))],
  ['(n add 2) mul 3 gt 7', cmp(arith(arith(col('n'), 'add', num(2)), 'mul', num(3)), 'gt', num(7))],
  ['n sub 1 sub 1 eq 0', cmp(arith(arith(col('n'), 'sub', num(1)), 'sub', num(1)), 'eq', num(0))],
  ['n div 2 mod 3 eq 1', cmp(arith(arith(col('n'), 'div', num(2)), 'mod', num(3)), 'eq', num(1))],
  ['-n lt -1.5', cmp(neg(col('n')), 'lt', num(-1.5))],
  ['-(n) eq - 2', cmp(neg(col('n')), 'eq', num(-2))],
  // literals
  ['text eq \'it\'\'s\'', cmp(col('text'), 'eq', str('it\'s'))],
  ['text eq \'\'', cmp(col('text'), 'eq', str(''))],
  ['text eq \'a (b) , c eq d\'', cmp(col('text'), 'eq', str('a (b) , c eq d'))],
  ['text eq null', cmp(col('text'), 'eq', nul)],
  ['null ne text', cmp(nul, 'ne', col('text'))],
  ['n eq 10L or n eq 1.5M or n eq 2.0f or n eq 3D or n eq 2.5e3 or n eq 1E-2', or(
    cmp(col('n'), 'eq', num(10)), cmp(col('n'), 'eq', num(1.5)), cmp(col('n'), 'eq', num(2)),
    cmp(col('n'), 'eq', num(3)), cmp(col('n'), 'eq', num(2500)), cmp(col('n'), 'eq', num(0.01)),
  )],
  ['n lt 1E+15D', cmp(col('n'), 'lt', num(1e15))],
  ['deleted eq true', cmp(col('deleted'), 'eq', bool(true))],
  ['true', bool(true)],
  ['id eq guid\'0f8fad5b-d9cb-469f-a165-70867728950e\'', cmp(col('id'), 'eq', str('0f8fad5b-d9cb-469f-a165-70867728950e'))],
  // in (v4)
  ['id in (\'a\',\'b\')', inList(col('id'), str('a'), str('b'))],
  ['n in (1, -2, 3.5)', inList(col('n'), num(1), num(-2), num(3.5))],
  ['text in (\'a\', null) and done', and(inList(col('text'), str('a'), nul), col('done'))],
  ['updatedAt in (2024-01-01T00:00:00Z, datetime\'2024-01-02T00:00:00Z\')', inList(updatedAt, date('2024-01-01T00:00:00.000Z'), date('2024-01-02T00:00:00.000Z'))],
  // white space
  ['\t(userId  eq\n\'x\' )  and\r\ncomplete ', and(cmp(col('userId'), 'eq', str('x')), col('complete'))],
]

describe('parseFilter', () => {
  it.each(cases)('%s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected)
  })

  it('accepts 64 levels of nesting and a filter of 8192 characters', () => {
    expect(parseFilter(`${'('.repeat(64)}done${')'.repeat(64)}`)).toEqual(col('done'))
    const terms = `${'id eq \'x\' or '.repeat(600)}done`
    const long = `${terms}${' '.repeat(8192 - terms.length)}`
    expect(long).toHaveLength(8192)
    expect(parseFilter(long)).toMatchObject({ kind: 'or' })
    expect((parseFilter(long) as { operands: unknown[] }).operands).toHaveLength(601)
  })

  it('accepts 1000 values in an in list', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `'${i}'`)
    expect((parseFilter(`id in (${values.join(',')})`) as { values: unknown[] }).values).toHaveLength(1000)
  })
})

const malformed: [string, RegExp, number | undefined][] = [
  // injection attempts
  ['\'; drop table x; --', /unterminated string literal at position 0$/, 0],
  ['text eq \'a\' or 1 eq 1) --', /unexpected '\)' at position 21$/, 21],
  ['text eq \'a\'; drop table todos', /unexpected character ';' at position 11$/, 11],
  ['text eq \'a\' -- comment', /unexpected '-' at position 12$/, 12],
  ['text eq \'a\' /* x */', /unexpected character '\/' at position 12$/, 12],
  ['text eq "a"', /unexpected character '"' at position 8$/, 8],
  ['text eq \'a\' union select 1', /unexpected 'union' at position 12$/, 12],
  // unbalanced quotes and parentheses
  ['text eq \'abc', /unterminated string literal at position 8$/, 8],
  ['text eq \'it\'s\'', /unterminated string literal at position 13$/, 13],
  ['(text eq \'a\'', /expected '\)' but found end of input at position 12$/, 12],
  ['((text eq \'a\') and done', /expected '\)' but found end of input at position 23$/, 23],
  ['text eq \'a\')', /unexpected '\)' at position 11$/, 11],
  ['startswith(text, \'a\'', /expected '\)' but found end of input at position 20$/, 20],
  ['()', /expected an expression but found '\)' at position 1$/, 1],
  // incomplete or misplaced operators
  ['', /expected an expression but found end of input at position 0$/, 0],
  ['text eq', /expected an expression but found end of input at position 7$/, 7],
  ['eq \'a\'', /expected an expression but found 'eq' at position 0$/, 0],
  ['text eq \'a\' and', /expected an expression but found end of input at position 15$/, 15],
  ['text eq \'a\' text eq \'b\'', /unexpected 'text' at position 12$/, 12],
  ['a/b eq 1', /unexpected character '\/' at position 1$/, 1],
  ['n eq 1 ,', /unexpected ',' at position 7$/, 7],
  // functions
  ['foo(text) eq 1', /unknown function 'foo' at position 0$/, 0],
  ['substringof(\'a\')', /function 'substringof' expects 2 arguments, got 1 at position 0$/, 0],
  ['substring(text)', /function 'substring' expects 2 to 3 arguments, got 1 at position 0$/, 0],
  ['n eq 1 and tolower(text, \'x\') eq \'a\'', /function 'tolower' expects 1 argument, got 2 at position 11$/, 11],
  ['length() eq 1', /function 'length' expects 1 argument, got 0 at position 0$/, 0],
  ['cast(updatedAt, Edm.String) eq 1', /cast supports only Edm.DateTimeOffset, found 'Edm.String' at position 16$/, 16],
  ['cast(updatedAt) eq 1', /expected ',' but found '\)' at position 14$/, 14],
  ['updatedAt gt cast(1, Edm.DateTimeOffset)', /cannot cast a number to Edm.DateTimeOffset at position 18$/, 18],
  // literals
  ['updatedAt gt datetime\'2016-13-01T00:00:00Z\'', /invalid datetime literal '2016-13-01T00:00:00Z' at position 13$/, 13],
  ['updatedAt gt datetime\'2015-02-29T00:00:00Z\'', /invalid datetime literal/, 13],
  ['updatedAt gt datetimeoffset\'yesterday\'', /invalid datetimeoffset literal 'yesterday' at position 13$/, 13],
  ['updatedAt gt datetimeoffset\'2016-01-01T24:00:00Z\'', /invalid datetimeoffset literal/, 13],
  ['updatedAt gt cast(\'soon\', Edm.DateTimeOffset)', /invalid timestamp 'soon' in cast at position 18$/, 18],
  ['updatedAt gt 2016-02-30T00:00:00Z', /invalid timestamp '2016-02-30T00:00:00Z' at position 13$/, 13],
  ['id eq guid\'not-a-guid\'', /invalid guid literal 'not-a-guid' at position 6$/, 6],
  ['text eq X\'0a\'', /unsupported literal type 'X' at position 8$/, 8],
  ['n eq 12abc', /invalid number '12abc' at position 5$/, 5],
  ['n eq 1.', /invalid number '1.' at position 5$/, 5],
  ['n eq 1e999', /number out of range '1e999' at position 5$/, 5],
  // in
  ['id in ()', /expected an expression but found '\)' at position 7$/, 7],
  ['id in (text)', /'in' accepts only literal values at position 7$/, 7],
  ['id in (\'a\' \'b\')', /expected '\)' but found string 'b' at position 11$/, 11],
  [`id in (${Array.from({ length: 1001 }, () => '\'a\'').join(',')})`, /more than 1000 values in 'in' at position 4007$/, 4007],
  // limits: no stack overflow on hostile input
  [`${'('.repeat(65)}done${')'.repeat(65)}`, /nested deeper than 64 levels at position 64$/, 64],
  [`${'('.repeat(5000)}done${')'.repeat(5000)}`, /longer than 8192 characters$/, undefined],
  [`${'('.repeat(4000)}done`, /nested deeper than 64 levels at position 64$/, 64],
  [`${'not '.repeat(2000)}done`, /nested deeper than 64 levels at position 256$/, 256],
  [`n eq ${'-'.repeat(4000)}1`, /nested deeper than 64 levels at position 69$/, 69],
  [`${'tolower('.repeat(1000)}text`, /nested deeper than 64 levels at position 512$/, 512],
  [`${'x eq 1 or '.repeat(820)}x eq 1`, /longer than 8192 characters$/, undefined],
]

describe('parseFilter rejects malformed input', () => {
  it.each(malformed)('%s', (text, message, position) => {
    let error: unknown
    try {
      parseFilter(text)
    }
    catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ODataError)
    expect((error as ODataError).message).toMatch(/^\$filter: /)
    expect((error as ODataError).message).toMatch(message)
    expect((error as ODataError).position).toBe(position)
  })
})
