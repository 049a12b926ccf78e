import { describe, expect, it } from 'vitest'
import { listConflicts } from '../../src/runtime/core/sync/conflicts'
import type { PushResult } from '../../src/runtime/core/sync/contract'
import { push, recoverInflight } from '../../src/runtime/core/sync/push'
import { fingerprint } from '../../src/runtime/core/sync/push-sent'
import { newId } from '../conformance/support/harness'
import { changeOnServer, PUSH_TABLES, serverItem, type Interception, pushSuite, type PushMode } from './push-support'

/**
 * Review R1 #3: an insert or update is sent, the server applies it, the answer is lost; the user then edits the row
 * (the edit collapses into the queued operation, which sends the row as it is at push time). The retry sends other
 * values than the server holds, and must not meet the user's own earlier write as a conflict.
 */
const MODES: PushMode[] = [
  { name: 'one request per operation', store: 'memory', batch: false },
  { name: 'batch endpoint', store: 'memory', batch: true },
  { name: 'Dexie store (fake-indexeddb), batch endpoint', store: 'dexie', batch: true },
  { name: 'protocol v3, one request per operation', store: 'memory', batch: false, apiVersion: '3.0.0' },
]

describe.each(MODES)('push after a lost answer and a local edit: $name', (mode) => {
  const suite = pushSuite(mode)
  const setup = (interception?: Interception) => suite.setup({ interception })
  /** Loses the answer to the first request that carries `op`, after the server applied it. */
  const loseFirst = (op: () => string): Interception => {
    let lost = false
    return {
      after(request) {
        if (!lost && request.ops.includes(op())) {
          lost = true
          return 'lose'
        }
      },
    }
  }

  it('insert: the retry meets the row the lost insert made (409), takes it and sends the edit as an update of it', async () => {
    const id = newId('lost-insert')
    const s = await setup(loseFirst(() => `insert:${id}`))
    await s.client.table('todos').insert({ id, text: 'first', meta: { b: 1, a: 2 }, due: '2031-05-06T07:08:09.010Z' })
    expect((await s.push()).stopped?.reason).toBe('network')
    const applied = await serverItem(suite.h, 'todos', id)
    expect(applied).toMatchObject({ text: 'first' })
    // the edit lands in the queued insert (it was sent, but it is pending again, not in flight)
    await s.client.table('todos').update({ id, text: 'second' })
    expect(await s.operations()).toEqual([expect.objectContaining({ kind: 'insert', state: 'pending', attempts: 1, sent: [expect.any(String)] })])

    s.requests.requests.length = 0
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(s.requests.sent()).toEqual([`insert:${id}`, `update:${id}`])
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.operations()).toEqual([])
    const server = await serverItem(suite.h, 'todos', id)
    expect(server).toMatchObject({ text: 'second', meta: { a: 2, b: 1 }, due: '2031-05-06T07:08:09.010Z' })
    expect(server!.version).not.toBe(applied!.version)
    expect(await s.local('todos', id)).toMatchObject({ text: 'second', version: server!.version, updatedAt: server!.updatedAt })
  })

  it('update: the retry meets the lost update\'s values (412), takes them and sends the edit against that version', async () => {
    const id = newId('lost-update')
    const s = await setup(loseFirst(() => `update:${id}`))
    await s.client.table('todos').insert({ id, text: 'v0', n: 0 })
    expect(await s.push()).toMatchObject({ pushed: 1 })
    await s.client.table('todos').update({ id, text: 'v1', n: 1 })
    expect((await s.push()).stopped?.reason).toBe('network')
    const applied = await serverItem(suite.h, 'todos', id)
    expect(applied).toMatchObject({ text: 'v1', n: 1 })
    await s.client.table('todos').update({ id, text: 'v2' })

    s.requests.requests.length = 0
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(s.requests.sent()).toEqual([`update:${id}`, `update:${id}`])
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.operations()).toEqual([])
    const server = await serverItem(suite.h, 'todos', id)
    expect(server).toMatchObject({ text: 'v2', n: 1 })
    expect(await s.local('todos', id)).toMatchObject({ text: 'v2', n: 1, version: server!.version })
  })

  it('several attempts with other values each: a server row equal to any of them is ours', async () => {
    const id = newId('lost-many')
    let step = 0
    const s = await setup({
      // 1st update: applied, answer lost; 2nd: never reaches the server; 3rd: goes through
      before(request) {
        if (request.ops.includes(`update:${id}`) && ++step === 2) throw new TypeError('fetch failed (test: no network)')
      },
      after(request) {
        if (request.ops.includes(`update:${id}`) && step === 1) return 'lose'
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    expect(await s.push()).toMatchObject({ pushed: 1 })
    await s.client.table('todos').update({ id, text: 'A' })
    expect((await s.push()).stopped?.reason).toBe('network')
    await s.client.table('todos').update({ id, text: 'B' })
    expect((await s.push()).stopped?.reason).toBe('network')
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'A' })
    await s.client.table('todos').update({ id, text: 'C' })
    expect((await s.operations())[0]!.sent).toHaveLength(2)

    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'C' })
    expect(await s.operations()).toEqual([])
  })

  it('another tab that sends the handed-back operation again meets the first tab\'s write as its own, not as a conflict', async () => {
    const id = newId('lost-tab')
    let inside = false
    let second: PushResult | undefined
    const s = await setup({
      async after(request) {
        if (inside || !request.ops.includes(`update:${id}`)) return
        inside = true
        // the PATCH is applied; before its answer arrives, a second tab hands the operation back, its user edits the
        // row, and its push sends the operation again: 412 against the first PATCH, whose values the operation sent
        await recoverInflight(s.store)
        await s.client.table('todos').update({ id, text: 'edited in tab 2' })
        second = await push({ client: s.client, tableClient: s.tableClient })
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    await s.client.table('todos').update({ id, text: 'v1' })
    // the first push finds its operation gone: the second push sent it, and the edit after it
    expect(await s.push()).toMatchObject({ conflicts: [], errors: [] })
    expect(second).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.operations()).toEqual([])
    const server = await serverItem(suite.h, 'todos', id)
    expect(server).toMatchObject({ text: 'edited in tab 2' })
    expect(await s.local('todos', id)).toMatchObject({ text: 'edited in tab 2', version: server!.version })
  })

  it('a change made on the server by someone else after the lost answer is still a conflict', async () => {
    const id = newId('lost-theirs')
    const s = await setup(loseFirst(() => `update:${id}`))
    await s.client.table('todos').insert({ id, text: 'v0' })
    expect(await s.push()).toMatchObject({ pushed: 1 })
    await s.client.table('todos').update({ id, text: 'mine' })
    expect((await s.push()).stopped?.reason).toBe('network')
    await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await s.client.table('todos').update({ id, text: 'mine again' })

    const result = await s.push()
    expect(result).toMatchObject({ pushed: 0, errors: [], conflicts: [{ itemId: id, kind: 'update', status: 412, clientItem: { text: 'mine again' } }] })
    expect(result.conflicts[0]!.serverItem).toMatchObject({ text: 'theirs' })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'theirs' })
  })
})

describe('fingerprint of a sent body', () => {
  const todos = PUSH_TABLES.todos!
  const notes = PUSH_TABLES.notes!
  it('follows the equality rules of a lost-answer check: key order, date notation, missing columns, the owner column', () => {
    const body = { id: 'a', text: 'x', n: 1, due: '2031-05-06T07:08:09.010Z', meta: { b: [1, { d: 1, c: 2 }], a: null } }
    const server = { meta: { a: null, b: [1, { c: 2, d: 1 }] }, due: '2031-05-06T09:08:09.010+02:00', n: 1, text: 'x', done: null, id: 'a', version: 'v', updatedAt: '2030-01-01T00:00:00.000Z', deleted: false }
    expect(fingerprint(todos, server)).toBe(fingerprint(todos, body))
    expect(fingerprint(todos, body)).toMatch(/^[0-9a-f]{16}$/)
    expect(fingerprint(todos, { ...body, text: 'y' })).not.toBe(fingerprint(todos, body))
    expect(fingerprint(todos, { ...body, meta: { b: [{ d: 1, c: 2 }, 1], a: null } })).not.toBe(fingerprint(todos, body))
    expect(fingerprint(todos, { ...body, done: false })).not.toBe(fingerprint(todos, body))
    // the server stamps the owner column: it is no part of what we sent
    expect(fingerprint(notes, { id: 'n', text: 't', userId: 'someone' })).toBe(fingerprint(notes, { id: 'n', text: 't' }))
  })
})
