import { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import { Kysely, sql, type Expression, type SqlBool } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPGliteDialect } from '../../src/runtime/server/db/pglite-dialect'
import { compileFilter, MAX_FILTER_LENGTH, ODataError, parseFilter, parseOrderBy, parseSelect, type CompileContext, type LiteralNode } from '../../src/runtime/server/odata'
import { normaliseTimestamp } from '../../src/runtime/server/odata/date-literal'
import { filterArbitraries, FUZZ_COLUMNS, HOSTILE_STRINGS, literals, mapLiterals, normalise, print, printStyle } from './support/filter-arbitrary'
import { fuzzParameters } from './support/fuzz-settings'

const ctx: CompileContext = { columns: { ...FUZZ_COLUMNS } }
const { bool } = filterArbitraries()
const db = new Kysely<Record<string, { id: string }>>({ dialect: createPGliteDialect(new PGlite()) })
const select = (where: Expression<SqlBool>) => db.selectFrom('fuzz').select('id').where(where)

/** Runs `work`; it must return, or throw the module's typed 400 (`ODataError` naming the option). */
function parsedOrRefused(option: string, work: () => unknown): 'parsed' | 'refused' {
  try {
    work()
    return 'parsed'
  }
  catch (error) {
    if (!(error instanceof ODataError)) throw error
    expect(error.statusCode).toBe(400)
    expect(error.message.startsWith(`${option}: `)).toBe(true)
    return 'refused'
  }
}

/** Parse, type-check, compile and render the SQL of a `$filter` text. */
const compileText = (text: string) => select(compileFilter(parseFilter(text), ctx)).compile()

// Pieces of filters, glued at random: near-valid input reaches deep into the parser.
const VOCABULARY = [
  '(', ')', ',', '-', '\'', '\'\'', 'not', 'and', 'or', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'add', 'sub', 'mul', 'div', 'mod',
  'in', 'null', 'true', 'false', 'text', 'n', 'done', 'due', 'meta', 'userId', 'id', 'deleted', 'updatedAt', 'nope', 'constructor',
  '__proto__', '0', '1.5', '1e400', '-0', '007', '1.', '.5', '1e', '12d', '3L', '\'abc\'', 'datetime\'2024-01-01T00:00:00Z\'',
  'datetimeoffset\'x\'', 'guid\'1\'', 'X\'00\'', '2024-01-01', '2024-13-45T99:99', 'cast', 'Edm.DateTimeOffset', 'Edm.String',
  'tolower', 'substring', 'concat', 'length', 'year', 'round', 'substringof', 'replace', 'unknownfn', '$', ';', '"', '\\', '\u0000',
  '😀', '\u00A0', '%27', '/*', '--',
]
const soup = fc.tuple(
  fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 60 }),
  fc.array(fc.constantFrom(' ', '', '  ', '\t'), { minLength: 60, maxLength: 60 }),
).map(([tokens, spaces]) => tokens.map((token, i) => token + spaces[i]).join(''))

/** A valid filter with one random edit: a cut, a duplicated span, an inserted token, a deleted character. */
const mutated = fc.tuple(bool, printStyle, fc.nat(), fc.nat(), fc.constantFrom(...VOCABULARY), fc.integer({ min: 0, max: 3 }))
  .map(([node, style, a, b, token, edit]) => {
    const text = print(node, style)
    const i = a % (text.length + 1)
    const j = b % (text.length + 1)
    switch (edit) {
      case 0: return text.slice(0, i)
      case 1: return text.slice(0, i) + text.slice(Math.min(i, j), Math.max(i, j)) + text.slice(i)
      case 2: return `${text.slice(0, i)} ${token} ${text.slice(i)}`
      default: return text.slice(0, i) + text.slice(i + 1)
    }
  })

/** Long and deep inputs: repeated pieces around the length limit, nesting far beyond the depth limit. */
const oversized = fc.tuple(fc.constantFrom('(', 'not ', '-', 'tolower(', 'n add ', 'done eq ', 'true and ', '((n) in (1, ', '\'\'', 'x'), fc.integer({ min: 1, max: 12_000 }), fc.constantFrom('', 'done', 'n eq 1', ')'))
  .map(([piece, times, tail]) => piece.repeat(Math.ceil(times / piece.length)).slice(0, times) + tail)

/** Each literal changed to another value of its type (a timestamp string stays a timestamp). */
function otherLiteral(node: LiteralNode): LiteralNode {
  switch (node.type) {
    case 'string': {
      const timestamp = normaliseTimestamp(node.value)
      if (timestamp === undefined) return { ...node, value: `${node.value}~` }
      return { ...node, value: shiftDay(node.value) }
    }
    case 'number': return { ...node, value: node.value === 0 ? 3 : -node.value }
    case 'boolean': return { ...node, value: !node.value }
    case 'date': return { ...node, value: shiftDay(node.value) }
    case 'null': return node
  }
}
const shiftDay = (iso: string) => {
  const time = Date.parse(iso)
  return new Date(time + (new Date(time).getUTCFullYear() > 5000 ? -86_400_000 : 86_400_000)).toISOString()
}

describe('fuzzing the OData parser and compiler', () => {
  beforeAll(async () => {
    await sql`create table fuzz (
      "id" text primary key, "createdAt" timestamptz(3) not null default now(), "updatedAt" timestamptz(3) not null default now(),
      "version" text not null default 'v', "deleted" boolean not null default false,
      "text" text, "n" double precision, "done" boolean, "due" timestamptz(3), "meta" jsonb, "userId" text)`.execute(db)
    await sql`insert into fuzz ("id", "text", "n", "done", "due", "meta", "userId") values
      ('a', 'milk', 1, true, '2024-01-01T00:00:00Z', '{"a":1}', 'u1'), ('b', '', -2.5, false, null, null, 'u2'),
      ('c', null, null, null, '0001-01-01T00:00:00Z', '[]', null), ('d', 'Ünïcode ''quoted''', 1e300, true, '9999-12-31T00:00:00Z', '"s"', 'u1')`.execute(db)
  })
  afterAll(async () => {
    await db.destroy()
  })

  it('arbitrary strings (any code unit) are parsed and compiled, or refused with a typed 400', () => {
    const outcomes = { parsed: 0, refused: 0 }
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 })), (text) => {
      outcomes[parsedOrRefused('$filter', () => compileText(text))]++
    }), fuzzParameters(2000))
    console.info('arbitrary $filter strings:', outcomes)
    expect(outcomes.refused).toBeGreaterThan(0)
  })

  it('token soup, mutated valid filters and oversized or deeply nested inputs: parsed, or refused with a typed 400', () => {
    const outcomes = { parsed: 0, refused: 0 }
    fc.assert(fc.property(fc.oneof(soup, mutated, oversized), (text) => {
      outcomes[parsedOrRefused('$filter', () => compileText(text))]++
    }), fuzzParameters(1500))
    console.info('near-valid $filter strings:', outcomes)
    expect(outcomes.parsed).toBeGreaterThan(0)
    expect(outcomes.refused).toBeGreaterThan(0)
  })

  it('the nesting and length limits hold for every kind of nesting', () => {
    for (const text of ['('.repeat(65), 'not '.repeat(65), '-'.repeat(65), 'tolower('.repeat(65), `${'concat(text, '.repeat(65)}`]) {
      expect(() => parseFilter(`${text}x`)).toThrow(/nested deeper than 64 levels/)
    }
    expect(() => parseFilter('n eq 1 and '.repeat(MAX_FILTER_LENGTH))).toThrow(ODataError)
  })

  it('a generated valid filter round-trips: its printed text parses back to the same tree', () => {
    fc.assert(fc.property(bool, printStyle, (node, style) => {
      expect(parseFilter(print(node, style))).toEqual(normalise(node))
    }), fuzzParameters(1500))
  })

  it('compiles to parameterised SQL: the SQL text does not depend on the literal values, which travel as parameters', () => {
    let parameters = 0
    fc.assert(fc.property(bool, printStyle, (node, style) => {
      const compiled = compileText(print(node, style))
      const other = compileText(print(mapLiterals(node, otherLiteral), style))
      expect(other.sql).toBe(compiled.sql)
      for (const value of literals(node)) {
        if (value.type === 'string' || value.type === 'number') expect(compiled.parameters).toContain(value.value)
      }
      parameters += compiled.parameters.length
    }), fuzzParameters(1000))
    // and the distinctive hostile values never show up in the SQL text itself
    for (const hostile of HOSTILE_STRINGS.filter(text => text.length > 2)) {
      const compiled = compileText(`text eq '${hostile.replace(/'/g, '\'\'')}' or userId eq 'x${hostile.replace(/'/g, '\'\'')}'`)
      expect(compiled.sql).not.toContain(hostile)
      expect(compiled.parameters).toEqual([hostile, `x${hostile}`])
    }
    expect(parameters).toBeGreaterThan(0)
  })

  it('a generated valid filter runs on the database; the only refusals are data exceptions (the server\'s 400)', async () => {
    const outcomes = { ran: 0, dataException: 0 }
    await fc.assert(fc.asyncProperty(bool, async (node) => {
      try {
        await select(compileFilter(parseFilter(print(node)), ctx)).execute()
        outcomes.ran++
      }
      catch (error) {
        // SQLSTATE class 22 (e.g. a double overflow in `1e300 mul 1e300`, a NUL in a string): the server answers 400
        expect(String((error as { code?: unknown }).code), String(error)).toMatch(/^22/)
        outcomes.dataException++
      }
    }), fuzzParameters(400))
    console.info('generated filters on PGlite:', outcomes)
    expect(outcomes.ran).toBeGreaterThan(0)
  })

  it('$orderby and $select: arbitrary and near-valid text is parsed or refused with a typed 400; valid lists parse as written', () => {
    const names = fc.constantFrom(...Object.keys(FUZZ_COLUMNS), 'id', 'updatedAt', 'deleted', 'version', 'createdAt')
    const nearValid = fc.array(fc.oneof(names, fc.constantFrom('nope', 'desc', 'ASC', '"text"', 'text desc desc', 'text;', '__proto__', '*', '', ' ', 'a b', '1a', 'te xt')), { maxLength: 8 })
      .map(items => items.join(','))
    const anything = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), nearValid, fc.nat(20_000).map(n => 'text,'.repeat(n)))
    const outcomes = { parsed: 0, refused: 0 }
    fc.assert(fc.property(anything, (text) => {
      outcomes[parsedOrRefused('$orderby', () => parseOrderBy(text, ctx))]++
      outcomes[parsedOrRefused('$select', () => parseSelect(text, ctx))]++
    }), fuzzParameters(1500))
    console.info('$orderby/$select strings:', outcomes)

    const term = fc.tuple(names, fc.constantFrom('', ' asc', ' desc', ' DESC', '\tAsc'), fc.constantFrom('', ' ', '  '))
    fc.assert(fc.property(fc.array(term, { minLength: 1, maxLength: 6 }), (terms) => {
      const text = terms.map(([name, direction, space]) => `${space}${name}${direction}${space}`).join(',')
      const expected = terms.map(([name, direction]) => ({ column: name, direction: direction.trim().toLowerCase() || 'asc' }))
      expect(parseOrderBy(text, ctx)).toEqual(expected)
      expect(parseSelect(terms.map(([name]) => name).join(' , '), ctx)).toEqual([...new Set(terms.map(([name]) => name))])
    }), fuzzParameters(500))
  })
})
