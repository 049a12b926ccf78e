import { describe, expect, it } from 'vitest'
import { describeActivity, describePush } from '../../../client/utils/activity'
import { actionLabel, bytes, cellValue, duration, errorMessage, plural, relativeTime } from '../../../client/utils/format'
import { countByState, operationFields } from '../../../client/utils/operation'
import type { QueuedOperation } from '../../../src/runtime/core/operation'

describe('panel wording (DevTools panel)', () => {
  it('says how long ago or how soon, in whole units', () => {
    expect(duration(999)).toBe('now')
    expect(duration(59_999)).toBe('59 s')
    expect(duration(60_000)).toBe('1 min')
    expect(duration(3_599_999)).toBe('59 min')
    expect(duration(7_200_000)).toBe('2 h')
    expect(duration(3 * 86_400_000 + 5)).toBe('3 d')
    expect(relativeTime(1_000, 13_500)).toBe('12 s ago')
    expect(relativeTime(100_000, 10_000)).toBe('in 1 min')
    expect(relativeTime(5_000, 5_400)).toBe('just now')
  })

  it('says sizes in decimal units', () => {
    expect([bytes(0), bytes(999), bytes(1_500), bytes(12_345_678), bytes(299_600_000_000), bytes(2e15)]).toEqual(['0 B', '999 B', '1.5 kB', '12 MB', '300 GB', '2000 TB'])
  })

  it('names a failed action in words', () => {
    expect(actionLabel('push')).toBe('Push')
    expect(actionLabel('retry:12')).toBe('Retry of #12')
    expect(actionLabel('pull:open:todos')).toBe('Pull of open:todos')
    expect(actionLabel('purge:todos')).toBe('Purge of todos')
    expect(actionLabel('unknown:x')).toBe('unknown:x')
  })

  it('counts with separators and plurals', () => {
    expect(plural(1, 'conflict')).toBe('1 conflict')
    expect(plural(10_000, 'operation')).toBe('10,000 operations')
    expect(plural(0, 'error')).toBe('0 errors')
  })

  it('shows cell values without losing what they are', () => {
    expect(cellValue(undefined)).toBe('—')
    expect(cellValue(null)).toBe('—')
    expect(cellValue('')).toBe('""')
    expect(cellValue(false)).toBe('false')
    expect(cellValue({ a: 1 })).toBe('{"a":1}')
  })

  it('reads the message of an error thrown in another frame (not this frame’s Error)', () => {
    expect(errorMessage({ name: 'PendingOperationsError', message: 'todos has 3 pending operations' })).toBe('PendingOperationsError: todos has 3 pending operations')
    expect(errorMessage(new Error('plain'))).toBe('plain')
    expect(errorMessage('text')).toBe('text')
  })

  it('describes sync activity with a progress share only when the total is known', () => {
    expect(describeActivity({ kind: 'push', done: 250, total: 1000 })).toEqual({ label: 'Pushing', detail: '250 of 1,000 operations', fraction: 0.25 })
    expect(describeActivity({ kind: 'push', done: 0, total: 0 }).fraction).toBe(0)
    const pull = describeActivity({ kind: 'pull', table: 'todos', queryName: 'open', rows: 1200, pages: 1 })
    expect(pull).toEqual({ label: 'Pulling', detail: 'todos (open): 1,200 rows, 1 page' })
    expect(describeActivity({ kind: 'idle' }).fraction).toBeUndefined()
    expect(describePush({ pushed: 3, conflicts: [], errors: [], batched: false, stopped: { reason: 'network', error: { name: 'NetworkError', message: 'offline' } } }))
      .toBe('3 pushed · 0 conflicts · 0 errors · one by one · stopped (network): offline')
    expect(describePush({ pushed: 0, conflicts: [], errors: [], batched: false })).toBe('0 pushed · 0 conflicts · 0 errors')
  })

  it('counts operations by state and leaves the delete snapshot out of the operation fields', () => {
    const base = { table: 't', itemId: 'i', attempts: 0, createdAt: 1, updatedAt: 1 }
    const ops: QueuedOperation[] = [
      { ...base, seq: 1, kind: 'insert', state: 'pending' },
      { ...base, seq: 2, kind: 'delete', state: 'failed', item: { id: 'i', text: 'x' } },
      { ...base, seq: 3, kind: 'update', state: 'failed' },
    ]
    expect(countByState(ops)).toEqual({ pending: 1, inflight: 0, failed: 2, conflict: 0 })
    expect(operationFields(ops[1]!)).not.toHaveProperty('item')
    expect(operationFields(ops[1]!)).toMatchObject({ seq: 2, kind: 'delete' })
  })
})
