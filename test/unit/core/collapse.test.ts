import { describe, expect, it } from 'vitest'
import { collapse, type LocalAction } from '../../../src/runtime/core/collapse'
import { DuplicateIdError, QueueStateError } from '../../../src/runtime/core/errors'
import type { Operation, OperationKind, OperationState } from '../../../src/runtime/core/operation'

function op(kind: OperationKind, state: OperationState = 'pending', extra: Partial<Operation> = {}): Operation {
  return { seq: 7, table: 'todos', itemId: 'a', kind, state, attempts: state === 'pending' ? 0 : 1, createdAt: 1, updatedAt: 1, ...extra }
}

const snapshot = { id: 'a', text: 'gone', version: 'v2' }

describe('collapse', () => {
  it.each<[string, Operation | undefined, LocalAction, string]>([
    ['nothing queued + insert', undefined, { kind: 'insert' }, 'append'],
    ['nothing queued + update', undefined, { kind: 'update', version: 'v1' }, 'append'],
    ['nothing queued + delete', undefined, { kind: 'delete', version: 'v1', item: snapshot }, 'append'],
    ['insert + update', op('insert'), { kind: 'update' }, 'keep'],
    ['failed insert + update', op('insert', 'failed'), { kind: 'update' }, 'keep'],
    ['insert + delete', op('insert'), { kind: 'delete', item: snapshot }, 'drop'],
    ['attempted insert + delete', op('insert', 'pending', { attempts: 1 }), { kind: 'delete', item: snapshot }, 'append'],
    ['failed insert + delete', op('insert', 'failed'), { kind: 'delete', item: snapshot }, 'append'],
    ['in-flight insert + delete', op('insert', 'inflight'), { kind: 'delete', item: snapshot }, 'append'],
    ['in-flight insert + update', op('insert', 'inflight'), { kind: 'update' }, 'append'],
    ['update + update', op('update', 'pending', { version: 'v1' }), { kind: 'update', version: 'v1' }, 'keep'],
    ['in-flight update + update', op('update', 'inflight', { version: 'v1' }), { kind: 'update', version: 'v1' }, 'append'],
    ['in-flight update + delete', op('update', 'inflight', { version: 'v1' }), { kind: 'delete', version: 'v1', item: snapshot }, 'append'],
    // sent before: a push may still settle (and drop) it, so it is never rewritten in place
    ['failed update + delete', op('update', 'failed', { version: 'v1' }), { kind: 'delete', version: 'v1', item: snapshot }, 'append'],
    ['attempted pending update + delete', op('update', 'pending', { version: 'v1', attempts: 1 }), { kind: 'delete', version: 'v1', item: snapshot }, 'append'],
    ['failed update + update', op('update', 'failed', { version: 'v1' }), { kind: 'update', version: 'v1' }, 'keep'],
    ['attempted pending update + update', op('update', 'pending', { version: 'v1', attempts: 2 }), { kind: 'update', version: 'v1' }, 'keep'],
    // in conflict: never being sent, the change lands in it
    ['conflict update + update', op('update', 'conflict', { version: 'v1' }), { kind: 'update', version: 'v1' }, 'keep'],
    ['conflict insert + update', op('insert', 'conflict'), { kind: 'update' }, 'keep'],
    ['conflict update + delete', op('update', 'conflict', { version: 'v1' }), { kind: 'delete', version: 'v1', item: snapshot }, 'replace'],
    ['conflict insert + delete', op('insert', 'conflict'), { kind: 'delete', item: snapshot }, 'replace'],
  ])('%s → %s', (_name, latest, action, expected) => {
    expect(collapse(latest, action).action).toBe(expected)
  })

  it('update never sent + delete → one delete keeping the version captured by the update, with the snapshot', () => {
    const latest = op('update', 'pending', { version: 'v1' })
    const decision = collapse(latest, { kind: 'delete', version: 'v2', item: snapshot }, 99)
    expect(decision).toEqual({
      action: 'replace',
      operation: { seq: 7, table: 'todos', itemId: 'a', kind: 'delete', version: 'v1', item: snapshot, state: 'pending', attempts: 0, createdAt: 1, updatedAt: 99 },
    })
  })

  it('update in conflict + delete → a delete that stays in conflict, with its attempts, error and captured version', () => {
    const latest = op('update', 'conflict', { version: 'v1', attempts: 3, lastError: { status: 412, message: 'changed' } })
    const decision = collapse(latest, { kind: 'delete', version: 'v2', item: snapshot }, 99)
    expect(decision).toEqual({
      action: 'replace',
      operation: {
        seq: 7, table: 'todos', itemId: 'a', kind: 'delete', version: 'v1', item: snapshot, state: 'conflict', attempts: 3,
        lastError: { status: 412, message: 'changed' }, createdAt: 1, updatedAt: 99,
      },
    })
  })

  it('insert in conflict + delete → a delete without version that stays in conflict', () => {
    const decision = collapse(op('insert', 'conflict'), { kind: 'delete', item: snapshot }, 99)
    expect(decision).toEqual({
      action: 'replace',
      operation: { seq: 7, table: 'todos', itemId: 'a', kind: 'delete', item: snapshot, state: 'conflict', attempts: 1, createdAt: 1, updatedAt: 99 },
    })
  })

  it.each<[string, Operation, OperationKind, new (...args: never[]) => Error]>([
    ['delete + insert', op('delete'), 'insert', QueueStateError],
    ['delete + update', op('delete'), 'update', QueueStateError],
    ['delete + delete', op('delete'), 'delete', QueueStateError],
    ['in-flight delete + insert', op('delete', 'inflight'), 'insert', QueueStateError],
    ['insert + insert', op('insert'), 'insert', DuplicateIdError],
    ['update + insert', op('update'), 'insert', DuplicateIdError],
    ['in-flight insert + insert', op('insert', 'inflight'), 'insert', DuplicateIdError],
  ])('%s → %s throws', (_name, latest, kind, error) => {
    expect(() => collapse(latest, { kind })).toThrow(error)
  })

  it('names the table and id in its errors', () => {
    const error = (() => {
      try {
        collapse(op('delete'), { kind: 'update' })
      }
      catch (e) {
        return e
      }
    })() as QueueStateError
    expect(error).toMatchObject({ code: 'QUEUE_STATE', table: 'todos', id: 'a' })
  })
})
