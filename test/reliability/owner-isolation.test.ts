import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TablesDefinition } from '../../src/runtime/core/schema'
import type { SqlRow } from '../../src/runtime/server/types'
import { startHarness, type Backend, type Harness, type Reply } from '../conformance/support/harness'
import { describeWithPostgres, postgresProblem } from '../support/postgres'
import { fuzzParameters } from './support/fuzz-settings'
import { command, otherUser, printFilterPart, USERS, type Command, type Condition, type Target, type User } from './support/owner-commands'

/** Two owned tables: one with soft delete, one without. */
const TABLES: TablesDefinition = {
  notes: { columns: { text: 'string', n: 'number', done: 'boolean', meta: 'json' }, owner: 'userId' },
  scraps: { columns: { text: 'string' }, owner: 'userId', softDelete: false },
}
type Table = 'notes' | 'scraps'
type State = Record<Table, SqlRow[]>

/** An item as sent matches a database row: every property it has equals the row's (timestamps as `…sssZ`). */
function matches(item: Record<string, unknown>, row: SqlRow): boolean {
  return Object.entries(item).every(([key, value]) => {
    const stored = row[key] ?? null
    if (key === 'updatedAt' || key === 'createdAt') return stored instanceof Date && stored.toISOString() === value
    return isDeepStrictEqual(stored, value)
  })
}

/** Two users on one table server (`backend`): `runs` random sequences of up to 15 commands each. */
function isolationSuite(backend: Backend, runs: number): void {
  let h: Harness
  let fresh = 0
  const statuses: Record<string, Record<number, number>> = {}

  async function state(): Promise<State> {
    const read = (table: Table) => h.db.selectFrom(table).selectAll().orderBy('id').execute()
    return { notes: await read('notes'), scraps: await read('scraps') }
  }

  beforeAll(async () => {
    h = await startHarness(backend, { tables: TABLES })
    for (const user of USERS) {
      for (let i = 0; i < 4; i++) {
        for (const table of ['notes', 'scraps'] as const) {
          const body = table === 'notes' ? { id: `${user}-seed-${i}`, text: `${user}:seed ${i}`, n: i, meta: { by: user } } : { id: `${user}-scrap-${i}`, text: `${user}:scrap ${i}` }
          expect((await h.request('POST', `/tables/${table}`, { user, body })).status).toBe(201)
        }
      }
      expect((await h.request('DELETE', `/tables/notes/${user}-seed-3`, { user })).status).toBe(200)
    }
  })
  afterAll(async () => {
    await h?.close()
  })

  /** The row a target names (the other user's rows when `whose` is other), or a fresh id of the caller. */
  function resolve(target: Target, rows: SqlRow[], me: User): { id: string, row?: SqlRow, whose: Target['whose'] } {
    const owner = target.whose === 'own' ? me : otherUser(me)
    const candidates = rows.filter(row => row.userId === owner)
    if (target.whose === 'fresh' || candidates.length === 0) return { id: `${me}-new-${++fresh}`, whose: 'fresh' }
    const row = candidates[target.pick % candidates.length]!
    return { id: row.id as string, row, whose: target.whose }
  }

  function ifMatch(condition: Condition, row: SqlRow | undefined): Record<string, string> {
    if (condition === 'any') return { 'If-Match': '*' }
    if (condition === 'wrong') return { 'If-Match': '"AAAAAAAAAAA="' }
    if (condition === 'current' && row) return { 'If-Match': `"${String(row.version)}"` }
    return {}
  }

  /** Nothing of the other user's rows in a response: no id (but the ones the caller sent), text or owner of theirs. */
  function expectNoLeak(reply: Reply, me: User, what: string, sent: string[] = []): void {
    const other = otherUser(me)
    const text = sent.reduce((rest, id) => rest.replaceAll(id, '<sent id>'), reply.text)
    for (const mark of [`${other}-`, `${other}:`, `"userId":"${other}"`]) expect(text, what).not.toContain(mark)
  }

  /** Someone else's row: exactly as if it did not exist (404, no ETag, nothing of the row but the id asked for). */
  function expectHidden(reply: Reply, me: User, what: string, id: string, allowed: number[] = [404]): void {
    expect(allowed, `${what} → ${reply.status} ${reply.text.slice(0, 200)}`).toContain(reply.status)
    expect(reply.headers.get('etag'), what).toBeNull()
    expectNoLeak(reply, me, what, [id])
  }

  /** Fills `{me}`, `{other}`, `{ownId}`, `{otherId}` of a filter template. */
  function fill(template: string, me: User, rows: SqlRow[]): string {
    const idOf = (user: User) => String(rows.find(row => row.userId === user)?.id ?? `${user}-none`)
    return template.replaceAll('{me}', me).replaceAll('{other}', otherUser(me)).replaceAll('{ownId}', idOf(me)).replaceAll('{otherId}', idOf(otherUser(me)))
  }

  /** Runs one command and checks its answer; returns the ids it may have changed. */
  async function run(cmd: Command, table: Table, before: State): Promise<string[]> {
    const me = cmd.user
    const rows = before[table]
    const what = `${JSON.stringify(cmd)} on ${table}`
    const text = 'text' in cmd ? `${me}:${cmd.text}` : ''
    /** Every answer: no 5xx, `{ error }` on a refusal (409/412 carry the caller's own row). */
    const send = async (...args: Parameters<Harness['request']>): Promise<Reply> => {
      const answer = await h.request(...args)
      const seen = statuses[cmd.op] ??= {}
      seen[answer.status] = (seen[answer.status] ?? 0) + 1
      expect(answer.status, `${what} → ${answer.text.slice(0, 200)}`).toBeLessThan(500)
      if (answer.status >= 400 && answer.status !== 409 && answer.status !== 412) expect(typeof answer.json?.error, what).toBe('string')
      return answer
    }
    let reply: Reply
    switch (cmd.op) {
      case 'list': {
        const params = new URLSearchParams()
        const filter = cmd.raw !== null ? cmd.raw : cmd.filter && printFilterPart(cmd.filter)
        if (filter) params.set('$filter', fill(filter, me, rows))
        if (cmd.includeDeleted) params.set('__includeDeleted', 'true')
        // (scraps has no n, done or meta: keep most selects valid there too, the odd unknown one is a 400)
        const select = table === 'scraps' ? cmd.select.filter(column => !['n', 'done'].includes(column)) : cmd.select
        if (select.length) params.set('$select', select.join(','))
        if (cmd.orderBy) params.set('$orderby', cmd.orderBy)
        if (cmd.top !== null) params.set('$top', String(cmd.top))
        if (cmd.skip !== null) params.set('$skip', String(cmd.skip))
        if (cmd.count) params.set(cmd.version === '2.0.0' ? '$inlinecount' : '$count', cmd.version === '2.0.0' ? 'allpages' : 'true')
        reply = await send('GET', `/tables/${table}?${params}`, { user: me, version: cmd.version })
        if (reply.status === 400) break
        expect(reply.status, `${what} → ${reply.text.slice(0, 200)}`).toBe(200)
        const body = reply.json
        const items: Array<Record<string, unknown>> = Array.isArray(body) ? body : body.results ?? body.items
        const visible = rows.filter(row => row.userId === me && (cmd.includeDeleted || row.deleted === false))
        for (const item of items) expect(visible.some(row => matches(item, row)), `${what}: ${JSON.stringify(item)}`).toBe(true)
        for (const mark of [`${otherUser(me)}-`, `${otherUser(me)}:`, `"userId":"${otherUser(me)}"`]) expect(JSON.stringify(items), what).not.toContain(mark)
        if (typeof body.count === 'number') expect(body.count, what).toBeLessThanOrEqual(visible.length)
        // not vacuous: without a filter or paging, the caller gets every row of theirs
        if (!filter && cmd.top === null && !cmd.skip && visible.length <= 50) expect(items.length, what).toBe(visible.length)
        return []
      }
      case 'get': {
        const target = resolve(cmd.target, rows, me)
        reply = await send('GET', `/tables/${table}/${target.id}${cmd.includeDeleted ? '?__includeDeleted=true' : ''}`, { user: me, version: cmd.version })
        if (target.whose !== 'own') expectHidden(reply, me, what, target.id)
        else if (target.row!.deleted === true && !cmd.includeDeleted) expect(reply.status, what).toBe(cmd.version === '2.0.0' ? 404 : 410)
        else expect(matches(reply.json, target.row!), what).toBe(true)
        return []
      }
      case 'insert': {
        const target = resolve(cmd.target, rows, me)
        const body: Record<string, unknown> = { id: target.id, text }
        if (cmd.claim) body.userId = otherUser(me)
        reply = await send('POST', `/tables/${table}`, { user: me, version: cmd.version, body })
        if (target.whose === 'other') expectHidden(reply, me, what, target.id)
        else expect(reply.status, what).toBe(target.whose === 'own' ? 409 : 201)
        if (reply.status === 201) expect(reply.json.userId, what).toBe(me)
        return [target.id]
      }
      case 'update': {
        const target = resolve(cmd.target, rows, me)
        const body: Record<string, unknown> = { text }
        if (cmd.claim) body.userId = otherUser(me)
        if (cmd.deleted !== null) body.deleted = cmd.deleted
        if (cmd.bodyVersion) body.version = target.row ? String(target.row.version) : 'AAAA'
        reply = await send(cmd.method, `/tables/${table}/${target.id}${cmd.includeDeleted ? '?__includeDeleted=true' : ''}`, {
          user: me, version: cmd.version, body, headers: ifMatch(cmd.condition, target.row),
        })
        // (a soft delete on a table without soft delete is refused for what the body says, whoever owns the row)
        const refusedBody = table === 'scraps' && cmd.deleted === true
        if (target.whose !== 'own') expectHidden(reply, me, what, target.id, refusedBody ? [400] : [404])
        if (reply.status === 200) expect(reply.json.userId, what).toBe(me)
        return [target.id]
      }
      case 'delete': {
        const target = resolve(cmd.target, rows, me)
        reply = await send('DELETE', `/tables/${table}/${target.id}`, { user: me, version: cmd.version, headers: ifMatch(cmd.condition, target.row) })
        if (target.whose !== 'own') expectHidden(reply, me, what, target.id)
        else if (target.row!.deleted === true) expect(reply.status, what).toBe(cmd.version === '2.0.0' ? 404 : 410)
        else expect(reply.status, what).toBe(cmd.condition === 'wrong' ? 412 : cmd.version === '2.0.0' ? 200 : 204)
        return [target.id]
      }
      case 'undelete': {
        const target = resolve(cmd.target, rows, me)
        reply = await send('POST', `/tables/${table}/${target.id}`, { user: me, headers: ifMatch(cmd.condition, target.row) })
        if (target.whose !== 'own') expectHidden(reply, me, what, target.id)
        else expect(reply.status, what).toBe(cmd.condition === 'wrong' ? 412 : 200)
        return [target.id]
      }
      case 'batch': {
        const targets = cmd.operations.map(operation => resolve(operation.target, rows, me))
        const operations = cmd.operations.map((operation, i) => {
          const condition = ifMatch(operation.condition, targets[i]!.row)['If-Match']
          const item = operation.kind === 'delete' ? undefined : { text: `${me}:${operation.text}`, ...(operation.claim ? { userId: otherUser(me) } : {}) }
          return { table, kind: operation.kind, id: targets[i]!.id, item, version: condition?.replace(/^"|"$/g, '') }
        })
        reply = await send('POST', '/tables/$batch', { user: me, version: cmd.version, body: { operations } })
        expect(reply.status, `${what} → ${reply.text.slice(0, 200)}`).toBe(200)
        expectNoLeak(reply, me, what, targets.map(target => target.id))
        const results = reply.json.results as Array<{ status: number, item?: Record<string, unknown> }>
        targets.forEach((target, i) => {
          if (target.whose === 'other') expect(results[i]!.status, `${what} operation ${i}`).toBe(404)
          if (results[i]!.item) expect(results[i]!.item!.userId, what).toBe(me)
        })
        return targets.map(target => target.id)
      }
    }
    return []
  }

  /** After a command of `me`: the other user's rows are exactly as before; mine changed only where the command aimed. */
  function expectConfined(before: State, after: State, me: User, changeable: string[], what: string): void {
    for (const table of ['notes', 'scraps'] as const) {
      const theirs = (rows: SqlRow[]) => rows.filter(row => row.userId === otherUser(me))
      expect(theirs(after[table]), `${what}: ${otherUser(me)}'s ${table}`).toEqual(theirs(before[table]))
      const byId = new Map(before[table].map(row => [row.id, row]))
      for (const row of after[table]) {
        const old = byId.get(row.id)
        byId.delete(row.id)
        if (old && isDeepStrictEqual(old, row)) continue
        expect(row.userId, `${what}: changed row ${String(row.id)}`).toBe(me)
        expect(changeable, `${what}: changed row ${String(row.id)}`).toContain(row.id)
      }
      // rows gone (a delete without soft delete): only mine, and only those aimed at
      for (const [id, row] of byId) {
        expect(row.userId, `${what}: removed row ${String(id)}`).toBe(me)
        expect(changeable, `${what}: removed row ${String(id)}`).toContain(id)
      }
      for (const row of after[table]) expect(String(row.id).startsWith(`${row.userId}-`), `${what}: ${String(row.id)} owned by ${String(row.userId)}`).toBe(true)
    }
  }

  it('no operation, filter or batch of one user ever returns or changes the other user\'s rows (checked in the database)', async () => {
    let commands = 0
    const sequence = fc.array(fc.tuple(command, fc.constantFrom<Table>('notes', 'notes', 'scraps')), { minLength: 1, maxLength: 15 })
    await fc.assert(fc.asyncProperty(sequence, async (steps) => {
      for (const [cmd, table] of steps) {
        const before = await state()
        const changeable = await run(cmd, table, before)
        expectConfined(before, await state(), cmd.user, changeable, `${JSON.stringify(cmd)} on ${table}`)
        commands++
      }
    }), fuzzParameters(runs))
    const after = await state()
    console.info(`owner isolation (${backend}): ${commands} commands, statuses by operation ${JSON.stringify(statuses)}; rows now: ${JSON.stringify(Object.fromEntries(USERS.map(user => [user, after.notes.filter(row => row.userId === user).length + after.scraps.filter(row => row.userId === user).length])))}`)
    // both users still have rows of their own: the suite kept testing against real targets
    for (const user of USERS) expect(after.notes.some(row => row.userId === user)).toBe(true)
  })
}

describe('owner isolation: two users, random operations and filters (embedded)', () => isolationSuite('embedded', 60))

describeWithPostgres('owner isolation: two users, random operations and filters (PostgreSQL)', await postgresProblem(), () => isolationSuite('postgres', 25))
