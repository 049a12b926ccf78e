// Cost of the commit-order clock on writes, embedded (PGlite) vs PostgreSQL: `npx jiti bench/server/stamps.ts [git-rev]`.
// With a git revision, its `src/runtime/server/db/clock.ts` is measured beside the working tree's, in the same
// run and interleaved (before/after ratios). Scenarios, each on a fresh table and repeated (median):
// 1,000 single-row INSERT statements in one transaction (a batch push), 1,000 single-row transactions (the
// table server's own inserts: stamp first, then the row), and one INSERT of 1,000 rows.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import * as current from '../../src/runtime/server/db/clock'
import { openDatabase, type SyncDatabase } from '../../src/runtime/server/db/open-database'
import type { SyncKysely } from '../../src/runtime/server/types'

type Clock = Pick<typeof current, 'installClock' | 'installRowTrigger' | 'takeStamp'>
interface Variant { name: string, clock: Clock }

const ROWS = 1000
const ROUNDS = Number(process.env.ROUNDS || 7)
const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

async function loadBaseline(rev: string): Promise<{ variant: Variant, remove: () => void }> {
  const source = execFileSync('git', ['show', `${rev}:src/runtime/server/db/clock.ts`], { encoding: 'utf8' })
  const file = fileURLToPath(new URL(`./.clock-${rev.replace(/\W/g, '_')}.ts`, import.meta.url))
  writeFileSync(file, source)
  try {
    return { variant: { name: `before (${rev})`, clock: await import(file) as Clock }, remove: () => rmSync(file, { force: true }) }
  }
  catch (error) {
    rmSync(file, { force: true })
    throw error
  }
}

async function open(backend: 'embedded' | 'postgres', schema: string): Promise<SyncDatabase & { drop: () => Promise<void> }> {
  if (backend === 'embedded') return { ...await openDatabase({ dataDir: 'memory://' }), drop: async () => {} }
  const admin = await openDatabase({ url: PG_URL, poolSize: 1 })
  await sql`create schema ${sql.id(schema)}`.execute(admin.db)
  const database = await openDatabase({ url: PG_URL, schema, poolSize: 2 })
  return {
    ...database,
    drop: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db)
      await admin.close()
    },
  }
}

async function createTable(db: SyncKysely, clock: Clock, table: string): Promise<void> {
  await clock.installClock(db)
  await sql`create table ${sql.id(table)} ("id" text primary key, "createdAt" timestamptz(3) not null,
    "updatedAt" timestamptz(3) not null, "version" text not null, "deleted" boolean not null default false, "n" double precision, "text" text)`.execute(db)
  await sql`create index on ${sql.id(table)} ("updatedAt", "id")`.execute(db)
  await clock.installRowTrigger(db, table)
}

const row = (prefix: string, n: number) => ({ id: `${prefix}-${n}`, n, text: 'benchmark' })

const SCENARIOS: Record<string, (db: SyncKysely, clock: Clock, table: string) => Promise<void>> = {
  '1,000 rows, one transaction': (db, clock, table) => db.transaction().execute(async (trx) => {
    await clock.takeStamp(trx, table)
    for (let n = 0; n < ROWS; n++) await trx.insertInto(table).values(row('one', n)).execute()
  }),
  '1,000 single-row transactions': async (db, clock, table) => {
    for (let n = 0; n < ROWS; n++) {
      await db.transaction().execute(async (trx) => {
        await clock.takeStamp(trx, table)
        await trx.insertInto(table).values(row('each', n)).execute()
      })
    }
  },
  'one INSERT of 1,000 rows': async (db, _clock, table) => {
    await db.insertInto(table).values(Array.from({ length: ROWS }, (_, n) => row('multi', n))).execute()
  },
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const variants: Variant[] = []
const rev = process.argv[2]
const baseline = rev ? await loadBaseline(rev) : undefined
try {
  if (baseline) variants.push(baseline.variant)
  variants.push({ name: 'after (working tree)', clock: current })
  const results: Record<string, string | number>[] = []
  for (const backend of ['embedded', 'postgres'] as const) {
    const databases = await Promise.all(variants.map((_, v) => open(backend, `bench_stamps_${process.pid}_${v}`)))
    try {
      const times = new Map<string, number[]>()
      const aheadMs = new Map<string, number>()
      for (let round = 0; round <= ROUNDS; round++) {
        for (const [scenario, run] of Object.entries(SCENARIOS)) {
          for (const [v, variant] of variants.entries()) {
            const { db } = databases[v]!
            const table = `bench_${round}_${Object.keys(SCENARIOS).indexOf(scenario)}`
            await createTable(db, variant.clock, table)
            const started = performance.now()
            await run(db, variant.clock, table)
            const elapsed = performance.now() - started
            if (round === 0) continue // warm-up
            const key = `${scenario}\0${variant.name}`
            times.set(key, [...times.get(key) ?? [], elapsed])
            const stamps = await sql<{ distinct: string, ahead: number }>`select count(distinct "updatedAt") as distinct,
              extract(epoch from max("updatedAt") - clock_timestamp()) * 1000 as ahead from ${sql.id(table)}`.execute(db)
            aheadMs.set(key, Math.max(aheadMs.get(key) ?? -Infinity, Number(stamps.rows[0]!.ahead)))
            times.set(`${key}\0distinct`, [Number(stamps.rows[0]!.distinct)])
          }
        }
      }
      for (const scenario of Object.keys(SCENARIOS)) {
        const result: Record<string, string | number> = { backend, scenario }
        for (const variant of variants) {
          const key = `${scenario}\0${variant.name}`
          result[`${variant.name} ms`] = Math.round(median(times.get(key)!) * 10) / 10
          result[`${variant.name} distinct stamps`] = times.get(`${key}\0distinct`)![0]!
          result[`${variant.name} max ahead ms`] = Math.round(aheadMs.get(key)!)
        }
        if (variants.length === 2) result['after / before'] = Math.round(median(times.get(`${scenario}\0${variants[1]!.name}`)!) / median(times.get(`${scenario}\0${variants[0]!.name}`)!) * 100) / 100
        results.push(result)
      }
    }
    finally {
      for (const database of databases) {
        await database.close()
        await database.drop()
      }
    }
  }
  console.table(results)
}
finally {
  baseline?.remove()
}
