import { sql, type SelectQueryBuilder } from 'kysely'
import { takeStamp } from './db/clock'
import type { TableSpec } from './table-spec'
import type { SqlRow, SyncKysely, SyncRowFilter, SyncSchema } from './types'

export interface OrderTerm {
  column: string
  direction: 'asc' | 'desc'
}

export interface ListQuery {
  /** Every condition the rows must meet (caller's view, soft-delete filter, `$filter`). */
  where: SyncRowFilter[]
  /** A total order (the caller appends `id`). */
  orderBy: OrderTerm[]
  offset: number
  limit: number
  /** Also count every row that meets `where`, ignoring offset and limit. */
  count: boolean
}

/** Writes to the one row a `modify` callback received, inside its transaction. */
export interface RowWriter {
  /** Updates the row; the trigger stamps `updatedAt` and `version`. Returns the stored row. */
  update: (values: Record<string, unknown>) => Promise<SqlRow>
  /** Deletes the row for good. Returns the row as it was. */
  remove: () => Promise<SqlRow>
}

export type InsertResult = { row: SqlRow } | { existing: SqlRow | undefined }

/** The storage of the table server (see `createRepository`). */
export interface Repository {
  list: (spec: TableSpec, query: ListQuery) => Promise<{ rows: SqlRow[], count?: number }>
  /** The row with this id that meets `where` (deleted or not). */
  find: (spec: TableSpec, id: string, where: SyncRowFilter[]) => Promise<SqlRow | undefined>
  /**
   * Inserts a row unless its id exists. Then `existing` is that row when it meets `where` (the caller may
   * see it), else `undefined`.
   */
  insert: (spec: TableSpec, values: Record<string, unknown>, where: SyncRowFilter[]) => Promise<InsertResult>
  /**
   * Runs `change` in a write transaction with the row (locked) that has this id and meets `where`, or
   * `undefined`. `change` decides and writes through `writer`; it must not wait on anything else.
   */
  modify: <T>(spec: TableSpec, id: string, where: SyncRowFilter[], change: (current: SqlRow | undefined, writer: RowWriter) => Promise<T>) => Promise<T>
  /**
   * Runs `work` in ONE transaction that first takes the clocks of `tables` (in name order, so two such
   * transactions never wait on each other's clocks crosswise). Everything through `tx.repo` joins it (its
   * `insert`/`modify` open no transaction of their own); `tx.savepoint` confines a part of the work. Not
   * available on `tx.repo` itself.
   */
  transaction: <T>(tables: string[], work: (tx: RepositoryTransaction) => Promise<T>) => Promise<T>
}

/** The inside of `Repository.transaction`. */
export interface RepositoryTransaction {
  repo: Repository
  /**
   * Runs `work` under a savepoint: rolled back to it when `work` throws (then rethrown) or when `keep` says
   * no to its result, released in every case (savepoints never nest).
   */
  savepoint: <T>(work: () => Promise<T>, keep: (result: T) => boolean) => Promise<T>
}

const SAVEPOINT = sql.id('offline_sync_operation')

/**
 * Undoes the work under the savepoint, then releases it: `ROLLBACK TO SAVEPOINT` keeps the savepoint (and its
 * subtransaction) open, so without the release the next savepoint would nest inside it, one level deeper per
 * refused operation.
 */
async function rollBackTo(trx: SyncKysely): Promise<void> {
  await sql`rollback to savepoint ${SAVEPOINT}`.execute(trx)
  await sql`release savepoint ${SAVEPOINT}`.execute(trx)
}

async function savepoint<T>(trx: SyncKysely, work: () => Promise<T>, keep: (result: T) => boolean): Promise<T> {
  await sql`savepoint ${SAVEPOINT}`.execute(trx)
  let result: T
  try {
    result = await work()
  }
  catch (error) {
    await rollBackTo(trx)
    throw error
  }
  if (keep(result)) await sql`release savepoint ${SAVEPOINT}`.execute(trx)
  else await rollBackTo(trx)
  return result
}

type RowQuery = SelectQueryBuilder<SyncSchema, string, SqlRow>

function whereAll<Q extends { where: RowQuery['where'] }>(query: Q, filters: SyncRowFilter[]): Q {
  if (filters.length === 0) return query
  return query.where(eb => eb.and(filters.map(filter => filter(eb)))) as unknown as Q
}

/**
 * The table server's storage: every statement goes through Kysely with values as parameters. Writes run in
 * a transaction that takes the table's commit-order stamp first (see `db/clock.ts`). With `joined`, `db` is
 * an open transaction, which every write joins, that has taken the stamps of the `joined` tables.
 */
export function createRepository(db: SyncKysely, joined?: ReadonlySet<string>): Repository {
  /** Runs `work` in the write transaction of `table`, its clock taken first. */
  async function write<T>(table: string, work: (trx: SyncKysely) => Promise<T>): Promise<T> {
    if (joined) {
      if (!joined.has(table)) await takeStamp(db, table)
      return work(db)
    }
    return db.transaction().execute(async (trx) => {
      await takeStamp(trx, table)
      return work(trx)
    })
  }
  return {
    async list(spec: TableSpec, query: ListQuery): Promise<{ rows: SqlRow[], count?: number }> {
      let select = whereAll(db.selectFrom(spec.name).selectAll() as RowQuery, query.where)
      for (const term of query.orderBy) select = select.orderBy(sql.ref(term.column), term.direction)
      const rows = await select.offset(query.offset).limit(query.limit).execute()
      if (!query.count) return { rows }
      const counted = await whereAll(db.selectFrom(spec.name).select(eb => eb.fn.countAll().as('count')) as RowQuery, query.where)
        .executeTakeFirstOrThrow()
      return { rows, count: Number(counted.count) }
    },

    async find(spec: TableSpec, id: string, where: SyncRowFilter[]): Promise<SqlRow | undefined> {
      return whereAll(db.selectFrom(spec.name).selectAll().where('id', '=', id) as RowQuery, where).executeTakeFirst()
    },

    async insert(spec, values, where) {
      return write(spec.name, async (trx) => {
        const row = await trx.insertInto(spec.name).values(values).onConflict(conflict => conflict.column('id').doNothing())
          .returningAll().executeTakeFirst()
        if (row) return { row }
        const existing = await whereAll(trx.selectFrom(spec.name).selectAll().where('id', '=', values.id as string) as RowQuery, where)
          .executeTakeFirst()
        return { existing }
      })
    },

    async modify(spec, id, where, change) {
      return write(spec.name, async (trx) => {
        const current = await whereAll(trx.selectFrom(spec.name).selectAll().where('id', '=', id) as RowQuery, where)
          .forUpdate().executeTakeFirst()
        const writer: RowWriter = {
          // With nothing to change the update still runs, so the trigger stamps a new version.
          update: values => trx.updateTable(spec.name).set(Object.keys(values).length ? values : { deleted: sql.ref('deleted') })
            .where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
          remove: () => trx.deleteFrom(spec.name).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
        }
        return change(current, writer)
      })
    },

    async transaction(tables, work) {
      if (joined) throw new Error('[nuxt-offline-sync] a repository transaction cannot be nested')
      return db.transaction().execute(async (trx) => {
        const stamped = new Set(tables)
        for (const table of [...stamped].sort()) await takeStamp(trx, table)
        return work({ repo: createRepository(trx, stamped), savepoint: (part, keep) => savepoint(trx, part, keep) })
      })
    },
  }
}
