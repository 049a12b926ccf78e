import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { compileFilter, parseFilter } from '../../../src/runtime/server/odata'
import { ctx } from './schema'

/** A database for the semantic table: a Kysely instance and a (schema-qualified) table name to use. */
export interface SemanticDatabase { db: Kysely<unknown>, table: string, close: () => Promise<void> }

/** Session time zone of the test databases: far from UTC, so date functions must convert to UTC themselves. */
export const TIME_ZONE = 'Pacific/Auckland'

interface Row {
  id: string
  text: string | null
  n: number | null
  done: boolean | null
  complete: boolean | null
  due: string | null
  meta: unknown
  userId: string | null
  updatedAt: string
  deleted?: boolean
}

export const INJECTION = '\'; drop table todos; --'

const rows: Row[] = [
  { id: 'r01', text: 'milk', n: 1, done: true, complete: true, due: '2024-01-01T00:00:00.000Z', meta: { a: 1 }, userId: 'u1', updatedAt: '2016-06-13T10:00:00.000Z' },
  { id: 'r02', text: 'Buy milk', n: 2.5, done: false, complete: false, due: '2024-06-15T12:30:45.123Z', meta: null, userId: 'u1', updatedAt: '2016-06-13T10:00:00.001Z' },
  { id: 'r03', text: 'bread', n: -3, done: null, complete: true, due: '2023-12-31T23:59:59.999Z', meta: { b: [1] }, userId: 'u2', updatedAt: '2016-06-13T10:00:00.002Z' },
  { id: 'r04', text: '50% off', n: 10, done: true, complete: false, due: null, meta: null, userId: 'u2', updatedAt: '2016-10-10T12:08:35.247Z' },
  { id: 'r05', text: 'under_score', n: 0, done: false, complete: null, due: '2024-02-29T08:00:00.000Z', meta: null, userId: 'u3', updatedAt: '2016-10-10T12:08:35.248Z', deleted: true },
  { id: 'r06', text: 'back\\slash', n: 7, done: true, complete: true, due: '2000-01-01T00:00:00.000Z', meta: null, userId: null, updatedAt: '2024-12-24T08:00:00.123Z' },
  { id: 'r07', text: 'it\'s', n: 4, done: false, complete: false, due: null, meta: null, userId: 'u1', updatedAt: '2024-12-24T08:00:00.124Z' },
  { id: 'r08', text: null, n: null, done: null, complete: null, due: null, meta: null, userId: 'u3', updatedAt: '2024-12-24T08:00:00.122Z' },
  { id: 'r09', text: '  padded  ', n: 100, done: true, complete: true, due: '2024-12-24T08:00:00.000Z', meta: null, userId: 'x', updatedAt: '2025-01-01T00:00:00.000Z' },
  { id: 'r10', text: INJECTION, n: 5.5, done: false, complete: true, due: null, meta: null, userId: 'x', updatedAt: '2025-01-01T00:00:00.000Z' },
  { id: 'r11', text: 'Ünïcode ÄÖ', n: -0.5, done: true, complete: false, due: null, meta: null, userId: 'u2', updatedAt: '2025-01-01T00:00:00.001Z' },
]

/** Creates the table with the column types the server uses and fills it. */
export async function createTable(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`create table ${sql.table(table)} (
    "id" text primary key, "createdAt" timestamptz(3) not null default now(), "updatedAt" timestamptz(3) not null,
    "version" text not null default 'v1', "deleted" boolean not null default false,
    "text" text, "n" double precision, "done" boolean, "complete" boolean, "due" timestamptz(3), "meta" jsonb, "userId" text
  )`.execute(db)
  const values = rows.map(r => sql`(${r.id}, ${r.updatedAt}::timestamptz, ${r.deleted ?? false}, ${r.text}, ${r.n},
    ${r.done}, ${r.complete}, ${r.due}::timestamptz, ${r.meta === null ? null : JSON.stringify(r.meta)}::jsonb, ${r.userId})`)
  await sql`insert into ${sql.table(table)} ("id", "updatedAt", "deleted", "text", "n", "done", "complete", "due", "meta", "userId")
    values ${sql.join(values)}`.execute(db)
}

export async function selectIds(db: Kysely<unknown>, table: string, filter: string): Promise<string[]> {
  const where = compileFilter(parseFilter(filter), ctx)
  const result = await sql<{ id: string }>`select "id" from ${sql.table(table)} where ${where}`.execute(db)
  return result.rows.map(row => row.id).sort()
}

const all = rows.map(row => row.id)
const except = (...ids: string[]) => all.filter(id => !ids.includes(id))
const range = (from: number, to: number) => all.slice(from - 1, to)

/** Filter → ids of the matching rows. */
export const semanticCases: [string, string[]][] = [
  // timestamps: stock-client literals, exact sub-millisecond comparisons, offsets
  ['(updatedAt ge datetimeoffset\'2016-06-13T10:00:00.001Z\')', range(2, 11)],
  ['(updatedAt ge datetime\'2016-06-13T10:00:00.001Z\')', range(2, 11)],
  ['updatedAt gt datetimeoffset\'2016-10-10T12:08:35.2470000+00:00\'', range(5, 11)],
  ['updatedAt ge datetimeoffset\'2016-10-10T12:08:35.2470000+00:00\'', range(4, 11)],
  ['updatedAt ge datetimeoffset\'2016-10-10T14:08:35.247+02:00\'', range(4, 11)],
  ['updatedAt ge datetimeoffset\'2016-10-10T12:08:35.2470001+00:00\'', range(5, 11)],
  ['updatedAt gt datetimeoffset\'2016-10-10T12:08:35.2479999+00:00\'', range(5, 11)],
  ['updatedAt le datetimeoffset\'2016-10-10T12:08:35.2479999+00:00\'', range(1, 4)],
  ['updatedAt lt datetimeoffset\'2016-10-10T12:08:35.2470000001+00:00\'', range(1, 4)],
  ['updatedAt eq datetimeoffset\'2016-10-10T12:08:35.2470001+00:00\'', []],
  ['updatedAt ne datetimeoffset\'2016-10-10T12:08:35.2470001+00:00\'', all],
  ['updatedAt eq datetimeoffset\'2016-10-10T12:08:35.2470000+00:00\'', ['r04']],
  ['datetimeoffset\'2016-10-10T12:08:35.2470001+00:00\' lt updatedAt', range(5, 11)],
  ['updatedAt in (datetimeoffset\'2016-10-10T12:08:35.2470000+00:00\', datetimeoffset\'2016-10-10T12:08:35.2480001Z\')', ['r04']],
  ['(updatedAt gt cast(2024-12-24T08:00:00.123Z,Edm.DateTimeOffset))', ['r07', 'r09', 'r10', 'r11']],
  ['updatedAt ge cast(\'2024-12-24T08:00:00.123Z\',Edm.DateTimeOffset)', ['r06', 'r07', 'r09', 'r10', 'r11']],
  ['updatedAt lt 2016-06-13T10:00:00.002Z', ['r01', 'r02']],
  ['updatedAt le \'2016-06-13T12:00:00.001+02:00\'', ['r01', 'r02']],
  ['due gt \'2024-06-01T00:00:00Z\'', ['r02', 'r09']],
  ['due in (2024-01-01T00:00:00Z, \'2000-01-01T00:00:00.000Z\')', ['r01', 'r06']],
  ['cast(due, Edm.DateTimeOffset) lt updatedAt', ['r06', 'r09']],
  ['createdAt gt 2000-01-01T00:00:00Z and version eq \'v1\'', all],
  // string functions; LIKE wildcards and backslashes in values are data
  ['substringof(\'milk\',text)', ['r01', 'r02']],
  ['contains(text,\'milk\')', ['r01', 'r02']],
  ['contains(text,\'Milk\')', []],
  ['substringof(\'milk\', tolower(text))', ['r01', 'r02']],
  ['startswith(text,\'50%\')', ['r04']],
  ['startswith(text,\'5_\')', []],
  ['startswith(text,\'%\')', []],
  ['startswith(text,\'\')', except('r08')],
  ['contains(text,\'%\')', ['r04']],
  ['contains(text,\'_\')', ['r05']],
  ['contains(text,\'\\\')', ['r06']],
  ['endswith(text,\'\\slash\')', ['r06']],
  ['endswith(text,\'_score\')', ['r05']],
  ['endswith(text,\'%\')', []],
  ['length(text) eq 4', ['r01', 'r07']],
  ['length(text) eq 10', ['r06', 'r09', 'r11']],
  ['trim(text) eq \'padded\'', ['r09']],
  ['tolower(text) eq \'buy milk\'', ['r02']],
  ['toupper(text) eq \'MILK\'', ['r01']],
  ['indexof(text,\'milk\') eq 4', ['r02']],
  ['indexof(text,\'milk\') eq 0', ['r01']],
  ['indexof(text,\'zzz\') eq -1', except('r08')],
  ['substring(text,1) eq \'ilk\'', ['r01']],
  ['substring(text,0,3) eq \'Buy\'', ['r02']],
  ['substring(text,4,4) eq \'milk\'', ['r02']],
  ['substring(text,n) eq \'ilk\'', ['r01']],
  ['substring(text,-1) eq null', all],
  ['substring(text,1,-1) ne null', []],
  ['substring(text,100) eq \'\'', except('r08')],
  ['substring(text,1e12,1e12) eq \'\'', except('r08')],
  ['replace(text,\'milk\',\'water\') eq \'Buy water\'', ['r02']],
  ['concat(concat(text,\'-\'),userId) eq \'milk-u1\'', ['r01']],
  ['text eq \'it\'\'s\'', ['r07']],
  // injection attempts are data
  [`text eq '${INJECTION.replace(/'/g, '\'\'')}'`, ['r10']],
  ['substringof(\'\'\';\', text)', ['r10']],
  ['text eq \'x\'\' or \'\'1\'\' eq \'\'1\'', []],
  // booleans, the stock client's bare column form, null semantics
  ['(userId eq \'u1\') and complete', ['r01']],
  ['done', ['r01', 'r04', 'r06', 'r09', 'r11']],
  ['not not done', ['r01', 'r04', 'r06', 'r09', 'r11']],
  ['not done', ['r02', 'r03', 'r05', 'r07', 'r08', 'r10']],
  ['not complete', ['r02', 'r04', 'r05', 'r07', 'r08', 'r11']],
  ['done eq false', ['r02', 'r05', 'r07', 'r10']],
  ['done ne true', ['r02', 'r03', 'r05', 'r07', 'r08', 'r10']],
  ['complete eq done', ['r01', 'r02', 'r06', 'r07', 'r08', 'r09']],
  ['complete ne done', ['r03', 'r04', 'r05', 'r10', 'r11']],
  ['text eq null', ['r08']],
  ['null eq text', ['r08']],
  ['text ne null', except('r08')],
  ['meta ne null', ['r01', 'r03']],
  ['meta eq null', except('r01', 'r03')],
  ['text ne \'milk\'', except('r01')],
  ['not (n gt 1)', ['r01', 'r03', 'r05', 'r08', 'r11']],
  ['deleted eq true', ['r05']],
  ['deleted eq false and userId eq \'u3\'', ['r08']],
  ['true', all],
  ['false', []],
  ['null eq null', all],
  // numbers and arithmetic
  ['n gt 2', ['r02', 'r04', 'r06', 'r07', 'r09', 'r10']],
  ['n add 1 eq 2', ['r01']],
  ['n mul 2 eq 5', ['r02']],
  ['n sub 0.5 eq -1', ['r11']],
  ['n div 2 eq 5', ['r04']],
  ['n div 0 eq null', all],
  ['n mod 3 eq 1', ['r01', 'r04', 'r06', 'r07', 'r09']],
  ['n mod 0 ne null', []],
  ['-n gt 0', ['r03', 'r11']],
  ['n eq -3', ['r03']],
  ['n lt -0.25', ['r03', 'r11']],
  ['n eq 10L or n eq 1.0M', ['r01', 'r04']],
  ['floor(n) eq 2', ['r02']],
  ['ceiling(n) eq 3', ['r02']],
  ['round(n) eq 3', ['r02']],
  ['round(n) eq -1', ['r11']],
  // date parts in UTC whatever the session time zone
  ['year(due) eq 2024', ['r01', 'r02', 'r05', 'r09']],
  ['year(due) eq 2023', ['r03']],
  ['month(due) eq 2 and day(due) eq 29', ['r05']],
  ['hour(due) eq 12 and minute(due) eq 30 and second(due) eq 45', ['r02']],
  // in, precedence, strings ordering, guid
  ['id in (\'r01\',\'r03\',\'nope\')', ['r01', 'r03']],
  ['n in (1, -3)', ['r01', 'r03']],
  ['text in (\'milk\', null)', ['r01', 'r08']],
  ['done in (true, null)', ['r01', 'r03', 'r04', 'r06', 'r08', 'r09', 'r11']],
  ['done eq true or id eq \'r02\' and n gt 100', ['r01', 'r04', 'r06', 'r09', 'r11']],
  ['userId ge \'u2\' and userId lt \'u3\'', ['r03', 'r04', 'r11']],
  ['id eq guid\'0f8fad5b-d9cb-469f-a165-70867728950e\'', []],
  // long but legal filters (no stack overflow, parameter per value)
  [`${Array.from({ length: 500 }, (_, i) => `id eq 'z${i}'`).join(' or ')} or id eq 'r01'`, ['r01']],
  [`n${' add 1'.repeat(1300)} eq 1301`, ['r01']],
  [`id in (${Array.from({ length: 999 }, (_, i) => `'z${i}'`).join(',')},'r02')`, ['r02']],
]

/** Starting PGlite takes seconds, more on a busy machine: not a timing assertion, just room. */
const HOOK_TIMEOUT = 60_000

/** Registers the semantic table against a database opened by `open`. */
export function semanticSuite(open: () => Promise<SemanticDatabase>): void {
  let database: SemanticDatabase | undefined

  beforeAll(async () => {
    database = await open()
    await createTable(database.db, database.table)
  }, HOOK_TIMEOUT)

  afterAll(async () => {
    await database?.close()
  }, HOOK_TIMEOUT)

  it.each(semanticCases)('%s', async (filter, ids) => {
    expect(await selectIds(database!.db, database!.table, filter)).toEqual(ids)
  })

  it('still has every row after the injection attempts', async () => {
    const result = await sql<{ count: string }>`select count(*)::text as count from ${sql.table(database!.table)}`.execute(database!.db)
    expect(result.rows[0]!.count).toBe(String(rows.length))
  })
}
