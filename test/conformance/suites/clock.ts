import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOCK_TABLE, takeStamp } from '../../../src/runtime/server/db/clock'
import { indexName, migrate } from '../../../src/runtime/server/db/migrate'
import { openDatabase, type SyncDatabase } from '../../../src/runtime/server/db/open-database'
import { toTableSpec, toTableSpecs } from '../../../src/runtime/server/table-spec'
import type { SyncKysely } from '../../../src/runtime/server/types'
import { TEST_DATABASE_URL } from '../../support/postgres'
import { newId, TABLES, type Backend, type Harness } from '../support/harness'

/** The database stamps `updatedAt`/`version` per row, unique and in commit order; migrations only ever add. */
export function clockSuite(harness: () => Harness, backend: Backend): void {
  const h = () => harness()

  describe('commit-order clock', () => {
    it('stamps every write, strictly later than the previous one, at the millisecond precision it stores', async () => {
      const id = newId('clock')
      const stamps: string[] = []
      const versions: string[] = []
      const created = await h().request('POST', '/tables/todos', { body: { id, text: 'a' } })
      stamps.push(created.json.updatedAt)
      versions.push(created.json.version)
      for (const method of ['PATCH', 'DELETE', 'POST'] as const) {
        const reply = await h().request(method, `/tables/todos/${id}`, method === 'PATCH' ? { body: { text: 'b' } } : {})
        expect(reply.status, reply.text).toBe(200)
        stamps.push(reply.json.updatedAt)
        versions.push(reply.json.version)
      }
      expect([...stamps].sort()).toEqual(stamps)
      expect(new Set(stamps).size).toBe(4)
      expect(new Set(versions).size).toBe(4)
      const stored = await h().db.selectFrom('todos').select('updatedAt').where('id', '=', id).executeTakeFirstOrThrow()
      expect((stored.updatedAt as Date).toISOString()).toBe(stamps.at(-1))
      const filtered = await h().request('GET', `/tables/todos?$filter=${encodeURIComponent(`updatedAt eq datetimeoffset'${stamps.at(-1)}'`)}`)
      expect(filtered.json.map((item: { id: string }) => item.id)).toContain(id)
    })

    it('stamps writes that bypass the server too (SQL), and keeps createdAt', async () => {
      const created = (await h().request('POST', '/tables/todos', { body: { text: 'raw' } })).json
      await sql`update todos set text = 'by sql', "updatedAt" = '2000-01-01', version = 'forged', "createdAt" = '2000-01-01' where id = ${created.id}`.execute(h().db)
      const after = (await h().request('GET', `/tables/todos/${created.id}`)).json
      expect(after.text).toBe('by sql')
      expect(after.updatedAt > created.updatedAt).toBe(true)
      expect(after.version).not.toBe('forged')
      expect(after.createdAt).toBe(created.createdAt)
    })

    it('gives every row its own stamp, increasing in write order, also in one transaction larger than a page', async () => {
      const text = newId('txn')
      const clockAt = async () => (await h().db.selectFrom(CLOCK_TABLE).select('last').where('table', '=', 'pages').executeTakeFirstOrThrow()).last as Date
      // As a batch push would: the clock first, then many single-row statements, then a multi-row one, then an update.
      await h().db.transaction().execute(async (trx) => {
        await takeStamp(trx, 'pages')
        for (let n = 0; n < 60; n++) await trx.insertInto('pages').values({ id: `${text}-${String(n).padStart(3, '0')}`, n, text }).execute()
        await trx.insertInto('pages').values(Array.from({ length: 60 }, (_, i) => ({ id: `${text}-${i + 60}`, n: i + 60, text }))).execute()
        await trx.updateTable('pages').set({ n: 1000 }).where('id', '=', `${text}-005`).execute()
      })
      const rows = await h().db.selectFrom('pages').select(['n', 'updatedAt']).where('text', '=', text).orderBy('n').execute()
      const times = rows.map(row => (row.updatedAt as Date).getTime())
      expect(rows).toHaveLength(120)
      expect(new Set(times).size).toBe(120)
      for (let i = 1; i < times.length; i++) expect(times[i], `row ${rows[i]!.n}`).toBeGreaterThan(times[i - 1]!)
      // The clock row holds the transaction's last stamp (the updated row), so the next writer stamps after it.
      expect((await clockAt()).getTime()).toBe(times.at(-1))
      const next = await h().request('POST', '/tables/pages', { body: { id: `${text}-next`, n: 2000, text } })
      expect(Date.parse(next.json.updatedAt)).toBeGreaterThan(times.at(-1)!)
      expect((await clockAt()).toISOString()).toBe(next.json.updatedAt)
    })

    it('keeps stamps unique and the clock right across rolled-back savepoints and immediate constraints', async () => {
      const text = newId('savepoint')
      const insert = (db: SyncKysely, n: number) => db.insertInto('pages').values({ id: `${text}-${n}`, n, text }).execute()
      await h().db.transaction().execute(async (trx) => {
        await insert(trx, 1)
        await sql`savepoint rolled_back`.execute(trx)
        await insert(trx, 2)
        await insert(trx, 3)
        await sql`rollback to savepoint rolled_back`.execute(trx)
        await insert(trx, 4)
        await sql`set constraints all immediate`.execute(trx)
        await insert(trx, 5)
        await insert(trx, 6)
      })
      await insert(h().db, 7)
      const rows = await h().db.selectFrom('pages').select(['n', 'updatedAt']).where('text', '=', text).orderBy('n').execute()
      const times = rows.map(row => (row.updatedAt as Date).getTime())
      expect(rows.map(row => row.n)).toEqual([1, 4, 5, 6, 7])
      for (let i = 1; i < times.length; i++) expect(times[i], `row ${rows[i]!.n}`).toBeGreaterThan(times[i - 1]!)
      const clock = await h().db.selectFrom(CLOCK_TABLE).select('last').where('table', '=', 'pages').executeTakeFirstOrThrow()
      expect((clock.last as Date).getTime()).toBe(times.at(-1))
    })
  })

  describe('migrations', () => {
    it('add declared columns and indexes to existing tables and never drop or retype', async () => {
      const db = h().db
      const warnings: string[] = []
      const table = `migrated_${newId('m').replace(/\W/g, '_')}`.slice(0, 50)
      await migrate(db, [toTableSpec(table, { columns: { a: 'string', b: 'number' } })], message => warnings.push(message))
      await db.insertInto(table).values({ id: 'kept', a: 'x', b: 1 }).execute()
      await migrate(db, [toTableSpec(table, { columns: { a: 'number', c: 'json' }, indexes: ['c'] })], message => warnings.push(message))
      const row = await db.selectFrom(table).selectAll().executeTakeFirstOrThrow()
      expect(row).toMatchObject({ id: 'kept', a: 'x', b: 1, c: null })
      expect(warnings.join('\n')).toContain(`${table}.a is text in the database but declared number`)
      const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = ${table} and schemaname = current_schema()`.execute(db)
      expect(indexes.rows.map(index => index.indexname).sort()).toEqual([indexName(table, ['c']), indexName(table, ['updatedAt', 'id']), `${table}_pkey`].sort())
      await sql`drop table ${sql.id(table)}`.execute(db)
    })

    it('create every declared index, also those whose columns join to the same name, and no second index on the same columns', async () => {
      const db = h().db
      const base = `indexed_${newId('i').replace(/\W/g, '_')}`.slice(0, 40)
      const indexesOf = async (table: string) => (await sql<{ indexname: string, indexdef: string }>`select indexname, indexdef from pg_indexes
        where tablename = ${table} and schemaname = current_schema()`.execute(db)).rows
      const columnsOf = (indexdef: string) => /\(([^)]*)\)$/.exec(indexdef)![1]
      await migrate(db, [toTableSpec(base, { columns: { a_b: 'string', a: 'string', b: 'string' }, indexes: ['a_b', 'a+b'] })])
      expect((await indexesOf(base)).map(index => columnsOf(index.indexdef)).sort()).toEqual(['"updatedAt", id', 'a, b', 'a_b', 'id'])
      expect(new Set([indexName(base, ['a_b']), indexName(base, ['a', 'b'])]).size).toBe(2)
      // A table of an older version, indexed under the old names: kept as they are, and not indexed twice.
      const old = `${base}_old`
      await sql`create table ${sql.id(old)} (id text primary key, "createdAt" timestamptz(3) not null, "updatedAt" timestamptz(3) not null,
        version text not null, deleted boolean not null default false, c text)`.execute(db)
      await sql`create index ${sql.id(`${old}__updatedAt_id`)} on ${sql.id(old)} ("updatedAt", id)`.execute(db)
      await sql`create index ${sql.id(`${old}__c`)} on ${sql.id(old)} (c)`.execute(db)
      await migrate(db, [toTableSpec(old, { columns: { c: 'string' }, indexes: ['c'] })])
      expect((await indexesOf(old)).map(index => index.indexname).sort()).toEqual([`${old}__c`, `${old}__updatedAt_id`, `${old}_pkey`])
      await sql`drop table ${sql.id(base)}, ${sql.id(old)}`.execute(db)
    })

    it('add the missing system columns to a table created elsewhere, stamping its rows', async () => {
      const db = h().db
      const table = `foreign_${newId('f').replace(/\W/g, '_')}`.slice(0, 50)
      await sql`create table ${sql.id(table)} (id text primary key, title text)`.execute(db)
      await sql`insert into ${sql.id(table)} (id, title) values ('a', 'first'), ('b', 'second')`.execute(db)
      await migrate(db, [toTableSpec(table, { columns: { title: 'string', n: 'number' } })])
      const rows = await db.selectFrom(table).selectAll().orderBy('updatedAt').execute()
      expect(rows.map(row => [row.id, row.title, row.deleted]).sort()).toEqual([['a', 'first', false], ['b', 'second', false]])
      const times = rows.map(row => (row.updatedAt as Date).getTime())
      expect(times[1]).toBeGreaterThan(times[0]!)
      expect(rows.map(row => (row.createdAt as Date).getTime())).toEqual(times)
      expect(new Set(rows.map(row => row.version)).size).toBe(2)
      const clock = await db.selectFrom(CLOCK_TABLE).select('last').where('table', '=', table).executeTakeFirstOrThrow()
      expect((clock.last as Date).getTime()).toBe(times[1])
      const columns = await sql<{ column_name: string, is_nullable: string }>`select column_name, is_nullable from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} and column_name in ('createdAt', 'updatedAt', 'version', 'deleted')`.execute(db)
      expect(columns.rows.map(column => `${column.column_name} ${column.is_nullable}`).sort())
        .toEqual(['createdAt NO', 'deleted NO', 'updatedAt NO', 'version NO'])
      // Writes now go through the trigger like on any synced table.
      await db.insertInto(table).values({ id: 'c', title: 'third', n: 3 }).execute()
      const third = await db.selectFrom(table).selectAll().where('id', '=', 'c').executeTakeFirstOrThrow()
      expect((third.updatedAt as Date).getTime()).toBeGreaterThan(times[1]!)
      await sql`drop table ${sql.id(table)}`.execute(db)
    })

    it('refuse a table created elsewhere whose id is missing or not its primary key, naming it and changing nothing', async () => {
      const db = h().db
      const base = `keyless_${newId('k').replace(/\W/g, '_')}`.slice(0, 40)
      await sql`create table ${sql.id(`${base}_noid`)} (title text)`.execute(db)
      await sql`create table ${sql.id(`${base}_nokey`)} (id text, title text)`.execute(db)
      await sql`create table ${sql.id(`${base}_pair`)} (id text, title text, primary key (id, title))`.execute(db)
      for (const table of [`${base}_noid`, `${base}_nokey`, `${base}_pair`]) {
        await expect(migrate(db, [toTableSpec(table, { columns: { title: 'string' } })])).rejects.toThrow(new RegExp(`${table}.*primary key`))
        const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}`.execute(db)
        expect(columns.rows.map(column => column.column_name).sort()).toEqual(table.endsWith('noid') ? ['title'] : ['id', 'title'])
        await sql`drop table ${sql.id(table)}`.execute(db)
      }
    })
  })

  if (backend === 'postgres') {
    describe('writers of one table on separate connections', () => {
      it('a second writer waits for the first to commit, then stamps after it (stamp order = commit order)', async () => {
        const text = newId('serial')
        let allowCommit!: () => void
        const commitAllowed = new Promise<void>(resolve => (allowCommit = resolve))
        let signalStamped!: () => void
        const stamped = new Promise<void>(resolve => (signalStamped = resolve))
        const first = h().db.transaction().execute(async (trx) => {
          for (let n = 1; n <= 3; n++) await trx.insertInto('pages').values({ id: `${text}-first-${n}`, n, text }).execute()
          signalStamped()
          await commitAllowed
        })
        await stamped
        const second = h().db.insertInto('pages').values({ id: `${text}-second`, n: 2, text }).execute()

        try {
          let waiting = 0
          for (let attempt = 0; attempt < 500 && waiting === 0; attempt++) {
            const result = await sql<{ waiting: string }>`select count(*) as waiting from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and query like 'insert into "pages"%'`.execute(h().db)
            waiting = Number(result.rows[0]!.waiting)
          }
          expect(waiting).toBe(1)
          const visible = await h().db.selectFrom('pages').select('id').where('text', '=', text).execute()
          expect(visible).toEqual([])
        }
        finally {
          allowCommit()
        }
        await Promise.all([first, second])
        const rows = await h().db.selectFrom('pages').select(['id', 'updatedAt']).where('text', '=', text).orderBy('updatedAt').execute()
        // The second stamps after every row of the first, also after the ones stamped ahead of the clock.
        expect(rows.map(row => row.id)).toEqual([1, 2, 3].map(n => `${text}-first-${n}`).concat(`${text}-second`))
        expect(new Set(rows.map(row => (row.updatedAt as Date).getTime())).size).toBe(4)
      })
    })

    describe('sessions with another search_path, and same-named tables in two schemas', () => {
      // A second schema with the same tables and its own clock; its session's search_path lacks the harness schema.
      const other = `conformance_other_${randomBytes(6).toString('hex')}`
      let otherDb: SyncDatabase | undefined
      let schema: string
      beforeAll(async () => {
        schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(h().db)).rows[0]!.schema
        await sql`create schema ${sql.id(other)}`.execute(h().db)
        otherDb = await openDatabase({ url: TEST_DATABASE_URL, schema: other, poolSize: 2 })
        await migrate(otherDb.db, toTableSpecs(TABLES).values())
      })
      afterAll(async () => {
        await otherDb?.close()
        await sql`drop schema if exists ${sql.id(other)} cascade`.execute(h().db)
      })
      const clockOf = async (db: SyncKysely, inSchema: string) => (await db.withSchema(inSchema).selectFrom(CLOCK_TABLE).select('last')
        .where('table', '=', 'pages').executeTakeFirst())?.last as Date | undefined
      const stampsOf = async (inSchema: string, text: string) => (await h().db.withSchema(inSchema).selectFrom('pages').select('updatedAt')
        .where('text', '=', text).orderBy('n').execute()).map(row => (row.updatedAt as Date).getTime())

      it('a write from a session whose search_path lacks the table\'s schema is stamped from that schema\'s clock, in order', async () => {
        const text = newId('elsewhere')
        await h().request('POST', '/tables/pages', { body: { id: `${text}-0`, n: 0, text } })
        const before = (await clockOf(h().db, schema))!.getTime()
        const otherBefore = await clockOf(h().db, other)
        await otherDb!.db.transaction().execute(async (trx) => {
          for (let n = 1; n <= 3; n++) await trx.withSchema(schema).insertInto('pages').values({ id: `${text}-${n}`, n, text }).execute()
          await trx.withSchema(schema).updateTable('pages').set({ n: 4 }).where('id', '=', `${text}-1`).execute()
        })
        const times = await stampsOf(schema, text)
        expect(times).toHaveLength(4)
        expect(times[0]).toBe(before)
        for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!)
        expect((await clockOf(h().db, schema))!.getTime()).toBe(times.at(-1))
        expect(await clockOf(h().db, other)).toEqual(otherBefore)
      })

      it('two same-named tables in two schemas written in one transaction keep independent clocks', async () => {
        const text = newId('two-schemas')
        // The other schema's clock far ahead: its stamps then show which clock they came from.
        const ahead = new Date('2200-01-01T00:00:00.000Z')
        await otherDb!.db.insertInto(CLOCK_TABLE).values({ table: 'pages', last: ahead })
          .onConflict(conflict => conflict.column('table').doUpdateSet({ last: ahead })).execute()
        const before = (await clockOf(h().db, schema))!.getTime()
        await h().db.transaction().execute(async (trx) => {
          for (let n = 1; n <= 2; n++) {
            await trx.insertInto('pages').values({ id: `${text}-${n}`, n, text }).execute()
            await trx.withSchema(other).insertInto('pages').values({ id: `${text}-${n}`, n, text }).execute()
          }
        })
        const mine = await stampsOf(schema, text)
        const theirs = await stampsOf(other, text)
        expect(mine[0]).toBeGreaterThan(before)
        expect(mine[1]).toBeGreaterThan(mine[0]!)
        expect(mine[1]).toBeLessThan(ahead.getTime())
        expect(theirs[0]).toBeGreaterThan(ahead.getTime())
        expect(theirs[1]).toBeGreaterThan(theirs[0]!)
        expect((await clockOf(h().db, schema))!.getTime()).toBe(mine[1])
        expect((await clockOf(h().db, other))!.getTime()).toBe(theirs[1])
      })
    })
  }
}
