import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createPGliteDialect } from '../../../src/runtime/server/db/pglite-dialect'

interface Db { t: { id: number, name: string } }

describe('createPGliteDialect', () => {
  it('runs queries and serialises concurrent transactions on the one connection', async () => {
    const db = new Kysely<Db>({ dialect: createPGliteDialect('memory://') })
    await sql`create table t (id int primary key, name text not null)`.execute(db)
    await Promise.all([1, 2, 3].map(id => db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id, name: `n${id}` }).execute()
      await trx.updateTable('t').set({ name: `m${id}` }).where('id', '=', id).execute()
    })))
    await expect(db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 4, name: 'x' }).execute()
      throw new Error('roll back')
    })).rejects.toThrow('roll back')
    const rows = await db.selectFrom('t').selectAll().orderBy('id').execute()
    expect(rows).toEqual([{ id: 1, name: 'm1' }, { id: 2, name: 'm2' }, { id: 3, name: 'm3' }])
    await db.destroy()
  })

  it('persists to a folder it creates', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pglite-'))
    const dir = join(root, 'nested', 'db')
    try {
      const first = new Kysely<Db>({ dialect: createPGliteDialect(dir) })
      await sql`create table t (id int primary key, name text not null)`.execute(first)
      await first.insertInto('t').values({ id: 1, name: 'kept' }).execute()
      await first.destroy()
      const second = new Kysely<Db>({ dialect: createPGliteDialect(dir) })
      expect(await second.selectFrom('t').select('name').execute()).toEqual([{ name: 'kept' }])
      await second.destroy()
    }
    finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
