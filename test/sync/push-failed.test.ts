import { describe, expect, it } from 'vitest'
import { ItemNotFoundError, QueueStateError } from '../../src/runtime/core/errors'
import { listConflicts } from '../../src/runtime/core/sync/conflicts'
import { failedRetryDelay } from '../../src/runtime/core/sync/push-failed'
import { discardOperation, retryOperation } from '../../src/runtime/core/sync/queue-actions'
import { newId } from '../conformance/support/harness'
import { changeOnServer, refuseMarkedTexts, serverItem, setOperationState, type Interception, pushSuite, type PushMode } from './push-support'

/**
 * Review R1 #12: an operation the server refused with an item error (`failed`) is not sent on every push forever:
 * a background push (`resendFailed: false`) sends it once its row changed or its backoff delay passed; an explicit
 * push, or `retryOperation`, sends it at once; `discardOperation` gives it up.
 */
const MODES: PushMode[] = [
  { name: 'one request per operation', store: 'memory', batch: false },
  { name: 'batch endpoint', store: 'memory', batch: true },
]
const T0 = 1_800_000_000_000

describe.each(MODES)('failed operations: $name', (mode) => {
  const suite = pushSuite(mode, { prepare: refuseMarkedTexts })
  const setup = (interception?: Interception) => suite.setup({ interception })

  it('the delay doubles with every attempt, from one minute up to an hour', () => {
    expect([1, 2, 3, 7, 8, 20].map(attempts => failedRetryDelay(attempts))).toEqual([60_000, 120_000, 240_000, 3_600_000, 3_600_000, 3_600_000])
    expect(failedRetryDelay(3, { baseMs: 10, maxMs: 25 })).toBe(25)
  })

  it('a background push sends a failed operation again only after its delay; the later operations of its item wait behind it', async () => {
    const [bad, good] = [newId('bad'), newId('good')]
    let appended = false
    const s = await setup({
      async before(request) {
        if (!appended && request.ops.includes(`insert:${bad}`)) {
          appended = true
          // an update while the insert is in flight: appended behind it (it writes the values the row has: a
          // changed row would make the failed insert due at once, see the next test)
          await s.client.table('todos').update({ id: bad, n: 1 })
        }
      },
    })
    const todos = s.client.table('todos')
    await todos.insert({ id: bad, text: 'bad', n: 1 })
    expect((await s.push({ now: () => T0 })).errors).toHaveLength(1)
    expect((await s.operations()).map(op => [op.kind, op.state, op.attempts, op.updatedAt])).toEqual([['insert', 'failed', 1, T0], ['update', 'pending', 0, expect.any(Number)]])

    await todos.insert({ id: good, text: 'good' })
    s.requests.requests.length = 0
    const early = await s.push({ resendFailed: false, now: () => T0 + 59_999 })
    expect(early).toMatchObject({ pushed: 1, errors: [], conflicts: [] })
    expect(s.requests.sent()).toEqual([`insert:${good}`])
    expect((await s.operations()).map(op => [op.kind, op.state, op.attempts])).toEqual([['insert', 'failed', 1], ['update', 'pending', 0]])

    s.requests.requests.length = 0
    const due = await s.push({ resendFailed: false, now: () => T0 + 60_000 })
    expect(due.errors).toEqual([expect.objectContaining({ status: 400 })])
    expect(s.requests.sent()).toEqual([`insert:${bad}`])
    const [failed] = await s.operations()
    expect(failed).toMatchObject({ state: 'failed', attempts: 2, updatedAt: T0 + 60_000 })

    // the next delay is twice as long
    s.requests.requests.length = 0
    await s.push({ resendFailed: false, now: () => T0 + 60_000 + 119_999 })
    expect(s.requests.sent()).toEqual([])
    await s.push({ resendFailed: false, now: () => T0 + 60_000 + 120_000 })
    expect(s.requests.sent()).toEqual([`insert:${bad}`])

    // an explicit push sends it at once, whatever the delay
    s.requests.requests.length = 0
    await s.push({ now: () => T0 + 60_000 + 120_001 })
    expect(s.requests.sent()).toEqual([`insert:${bad}`])
    expect((await s.operations()).map(op => [op.kind, op.state, op.attempts])).toEqual([['insert', 'failed', 4], ['update', 'pending', 0]])
    expect(await serverItem(suite.h, 'todos', bad)).toBeUndefined()
  })

  it('a failed operation whose row changed since is sent by the next background push', async () => {
    const id = newId('fixed')
    const s = await setup()
    const todos = s.client.table('todos')
    await todos.insert({ id, text: 'bad' })
    expect((await s.push({ now: () => T0 })).errors).toHaveLength(1)
    s.requests.requests.length = 0
    await s.push({ resendFailed: false, now: () => T0 + 1 })
    expect(s.requests.sent()).toEqual([])

    await todos.update({ id, text: 'fixed' })
    expect(await s.push({ resendFailed: false, now: () => T0 + 2 })).toMatchObject({ pushed: 1, errors: [] })
    expect(s.requests.sent()).toEqual([`insert:${id}`])
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ text: 'fixed' })
    expect(await s.operations()).toEqual([])
  })

  it('retryOperation makes a failed operation pending: the next background push sends it', async () => {
    const id = newId('retry')
    const s = await setup()
    await s.client.table('todos').insert({ id, text: 'bad' })
    await s.push({ now: () => T0 })
    const [failed] = await s.operations()
    expect(failed).toMatchObject({ state: 'failed' })

    await retryOperation(s.client, failed!.seq, T0 + 5)
    expect(await s.operations()).toEqual([expect.objectContaining({ seq: failed!.seq, state: 'pending', attempts: 1, updatedAt: T0 + 5, lastError: failed!.lastError })])
    s.requests.requests.length = 0
    await s.push({ resendFailed: false, now: () => T0 + 6 })
    expect(s.requests.sent()).toEqual([`insert:${id}`])

    // only a failed operation can be retried
    await retryOperation(s.client, failed!.seq, T0 + 7)
    await setOperationState(s.store, failed!.seq, 'pending')
    expect(await retryOperation(s.client, failed!.seq).catch(error => error)).toBeInstanceOf(QueueStateError)
    expect(await retryOperation(s.client, 987_654).catch(error => error)).toBeInstanceOf(ItemNotFoundError)
  })

  it('discardOperation of a failed insert removes the local row and the later operations of the item', async () => {
    const id = newId('discard-insert')
    let appended = false
    const s = await setup({
      async before(request) {
        if (!appended && request.ops.includes(`insert:${id}`)) {
          appended = true
          await s.client.table('todos').update({ id, n: 2 })
        }
      },
    })
    await s.client.table('todos').insert({ id, text: 'bad', n: 1 })
    await s.push()
    const [insert] = await s.operations()
    expect((await s.operations()).map(op => op.kind)).toEqual(['insert', 'update'])

    await discardOperation(s.client, insert!.seq)
    expect(await s.operations()).toEqual([])
    expect(await s.local('todos', id)).toBeUndefined()
    s.requests.requests.length = 0
    expect(await s.push()).toMatchObject({ pushed: 0, errors: [] })
    expect(s.requests.sent()).toEqual([])
  })

  it('discardOperation of a failed update keeps the local row as it is; of a pending delete brings the row back', async () => {
    const [updated, deleted] = [newId('discard-update'), newId('discard-delete')]
    const s = await setup()
    const todos = s.client.table('todos')
    await todos.insert({ id: updated, text: 'fine' })
    await todos.insert({ id: deleted, text: 'kept', n: 7 })
    await s.push()
    const before = await s.local('todos', deleted)
    expect(before).toMatchObject({ text: 'kept', n: 7, version: expect.any(String) })

    await todos.update({ id: updated, text: 'bad' })
    expect((await s.push({ now: () => T0 })).errors).toHaveLength(1)
    await todos.remove(deleted)
    const [update, remove] = await s.operations()
    expect([update, remove].map(op => [op!.kind, op!.state])).toEqual([['update', 'failed'], ['delete', 'pending']])

    await discardOperation(s.client, update!.seq)
    await discardOperation(s.client, remove!.seq)
    expect(await s.operations()).toEqual([])
    // the update's earlier values are not known: the row keeps the discarded change until a full pull
    expect(await s.local('todos', updated)).toMatchObject({ text: 'bad' })
    expect(await s.local('todos', deleted)).toEqual(before)
    s.requests.requests.length = 0
    expect(await s.push()).toMatchObject({ pushed: 0 })
    expect(s.requests.sent()).toEqual([])
    expect(await serverItem(suite.h, 'todos', deleted)).toMatchObject({ text: 'kept', deleted: false })
    expect(await serverItem(suite.h, 'todos', updated)).toMatchObject({ text: 'fine' })
  })

  it('discardOperation refuses an operation in flight or in conflict, and an unknown one', async () => {
    const id = newId('discard-refused')
    const s = await setup()
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await s.client.table('todos').update({ id, text: 'mine' })
    expect((await s.push()).conflicts).toHaveLength(1)
    const [conflicted] = await s.operations()
    const refused = await discardOperation(s.client, conflicted!.seq).catch(error => error)
    expect(refused).toBeInstanceOf(QueueStateError)
    expect((refused as Error).message).toContain('resolve the conflict')
    await setOperationState(s.store, conflicted!.seq, 'inflight')
    expect(await discardOperation(s.client, conflicted!.seq).catch(error => error)).toBeInstanceOf(QueueStateError)
    expect(await discardOperation(s.client, 987_654).catch(error => error)).toBeInstanceOf(ItemNotFoundError)
    expect(await s.operations()).toHaveLength(1)
    expect(await listConflicts(s.store)).toHaveLength(1)
  })
})
