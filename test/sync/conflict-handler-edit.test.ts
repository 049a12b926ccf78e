import { describe, expect, it } from 'vitest'
import { listConflicts } from '../../src/runtime/core/sync/conflicts'
import type { ConflictRecord } from '../../src/runtime/core/sync/contract'
import { MAX_HANDLER_RETRIES } from '../../src/runtime/core/sync/push'
import { newId } from '../conformance/support/harness'
import { changeOnServer, serverItem, pushSuite, type PushMode, type PushSetup } from './push-support'

/**
 * A local edit made while the conflict handler decides (the handler awaits something; the user goes on typing)
 * must not be lost: the handler decided on the record without that edit, so its resolution is not applied to the
 * changed item; the handler is asked again with the record as it is now. Found by the convergence suite
 * (test/reliability/convergence.test.ts): a merge computed from the older row overwrote the newer edit, locally and
 * on the server.
 */
const MODES: PushMode[] = [
  { name: 'memory store, one request per operation', store: 'memory', batch: false },
  { name: 'Dexie store (fake-indexeddb), batch endpoint', store: 'dexie', batch: true },
]

describe.each(MODES)('a conflict handler and an edit made while it decides: $name', (mode) => {
  const suite = pushSuite(mode)

  /** A synced row, changed on the server, then locally ('mine'): its next push meets a 412. */
  async function conflicted(): Promise<{ s: PushSetup, id: string }> {
    const s = await suite.setup()
    const id = newId('edit')
    const todos = s.client.table('todos')
    await todos.insert({ id, text: 'base', n: 1 })
    await s.push()
    await changeOnServer(suite.h, 'todos', id, { text: 'theirs', done: true })
    await todos.update({ id, text: 'mine', n: 2 })
    return { s, id }
  }

  it('merge: the edit reaches the server and stays local; the handler saw it before its answer was applied', async () => {
    const { s, id } = await conflicted()
    const seen: ConflictRecord[] = []
    const result = await s.push({
      conflictHandler: async (conflict) => {
        seen.push(conflict)
        // the first time, the user edits the row while the handler is deciding
        if (seen.length === 1) await s.client.table('todos').update({ id, text: 'newest', n: 3 })
        return { choice: 'merge', item: { text: conflict.clientItem!.text, n: conflict.clientItem!.n, done: conflict.serverItem!.done } }
      },
    })
    expect(seen.map(conflict => conflict.clientItem!.text)).toEqual(['mine', 'newest'])
    expect(result).toMatchObject({ conflicts: [], errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'newest', n: 3, done: true })
    expect(await s.local('todos', id)).toMatchObject({ text: 'newest', n: 3, done: true })
    expect(await s.operations()).toEqual([])
    expect(await listConflicts(s.store)).toEqual([])
  })

  it('server: the handler is asked again with the edit, and may keep theirs knowing it', async () => {
    const { s, id } = await conflicted()
    const seen: string[] = []
    await s.push({
      conflictHandler: async (conflict) => {
        seen.push(String(conflict.clientItem!.text))
        if (seen.length === 1) await s.client.table('todos').update({ id, text: 'newest' })
        return { choice: 'server' }
      },
    })
    expect(seen).toEqual(['mine', 'newest'])
    expect(await s.local('todos', id)).toMatchObject({ text: 'theirs' })
    expect(await s.operations()).toEqual([])
  })

  it('a row deleted locally while its update was on the wire: the conflict shows the removed row, and keeping mine deletes it', async () => {
    const id = newId('gone')
    const s = await suite.setup({ interception: {
      before: async (request) => {
        // the user deletes the row while its update is on its way (the delete is queued after it)
        if (request.ops.includes(`update:${id}`)) await s.client.table('todos').remove(id)
      },
    } })
    const todos = s.client.table('todos')
    await todos.insert({ id, text: 'base', n: 1 })
    await s.push()
    await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await todos.update({ id, text: 'mine', n: 2 })
    const seen: ConflictRecord[] = []
    await s.push({ conflictHandler: (conflict) => {
      seen.push(conflict)
      return { choice: 'client' }
    } })
    // what this device has is the removed row: the handler can tell what it is deciding about
    expect(seen[0]).toMatchObject({ itemId: id, kind: 'update', clientItem: { id, text: 'mine', n: 2 }, serverItem: { text: 'theirs' } })
    await s.push({ conflictHandler: () => ({ choice: 'client' }) })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ deleted: true })
    expect(await s.local('todos', id)).toBeUndefined()
    expect(await s.operations()).toEqual([])
  })

  it('an item that keeps changing while the handler decides stays in conflict for the user, with the latest edit', async () => {
    const { s, id } = await conflicted()
    let calls = 0
    const result = await s.push({
      conflictHandler: async () => {
        calls += 1
        await s.client.table('todos').update({ id, text: `edit ${calls}` })
        return { choice: 'server' }
      },
    })
    // each answer counts: asked until MAX_HANDLER_RETRIES answers were all made stale by an edit
    expect(calls).toBe(MAX_HANDLER_RETRIES)
    expect(result.conflicts).toHaveLength(1)
    const [conflict] = await listConflicts(s.store)
    expect(conflict).toMatchObject({ itemId: id, clientItem: { text: `edit ${calls}` } })
    expect(await s.local('todos', id)).toMatchObject({ text: `edit ${calls}` })
    expect((await serverItem(suite.h, 'todos', id))!.text).toBe('theirs')
  })
})
