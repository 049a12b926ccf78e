import { PGlite } from '@electric-sql/pglite'
import { Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createPGliteDialect } from '../../../src/runtime/server/db/pglite-dialect'
import { compileFilter, parseFilter } from '../../../src/runtime/server/odata'
import { ctx } from './schema'
import { semanticSuite, TIME_ZONE } from './semantic'

describe('compileFilter on PGlite', () => {
  semanticSuite(async () => {
    const db = new Kysely<unknown>({ dialect: createPGliteDialect(new PGlite()) })
    await sql`set time zone ${sql.lit(TIME_ZONE)}`.execute(db)
    return { db, table: 'items', close: () => db.destroy() }
  })
})

describe('compileFilter output', () => {
  const db = new Kysely<{ items: { id: string } }>({ dialect: createPGliteDialect('memory://') })

  it('sends values as parameters and quotes identifiers', () => {
    const hostile = 'x\' or 1=1; drop table items; --'
    const filter = `text eq '${hostile.replace(/'/g, '\'\'')}' and n gt 5 and updatedAt ge datetime'2016-06-13T10:00:00.000Z'`
    const query = db.selectFrom('items').select('id').where(compileFilter(parseFilter(filter), ctx)).compile()
    expect(query.sql).not.toContain('1=1')
    expect(query.sql).not.toContain('2016')
    expect(query.sql).toContain('"text" = $1::text')
    expect(query.sql).toContain('"updatedAt" >= $3::timestamptz')
    expect(query.parameters).toEqual([hostile, 5, '2016-06-13T10:00:00.000Z'])
  })

  it('truncates a timestamp parameter to microseconds, never rounding up', () => {
    const filter = 'updatedAt ge datetimeoffset\'2016-10-10T12:08:35.2479999+00:00\''
    const query = db.selectFrom('items').select('id').where(compileFilter(parseFilter(filter), ctx)).compile()
    expect(query.parameters).toEqual(['2016-10-10T12:08:35.247999Z'])
    expect(query.sql).toContain('"updatedAt" > $1::timestamptz')
  })

  it('keeps an equality with a literal indexable and makes others null-safe', () => {
    const compiled = (filter: string) => db.selectFrom('items').select('id').where(compileFilter(parseFilter(filter), ctx)).compile().sql
    expect(compiled('id eq \'a\'')).toContain('("id" = $1::text)')
    expect(compiled('done eq complete')).toContain('("done" is not distinct from "complete")')
    expect(compiled('text ne \'a\'')).toContain('("text" is distinct from $1::text)')
  })
})
