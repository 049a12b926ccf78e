import { describe, expect, it } from 'vitest'
import { listConflicts, resolveConflict } from '../../src/runtime/core/sync/conflicts'
import type { Resolution } from '../../src/runtime/core/sync/contract'
import { newId } from '../conformance/support/harness'
import { changeOnServer, serverItem, pushSuite, type PushMode } from './push-support'

/**
 * A `client` or `merge` resolution moves the conflicted operation to the server's version, and every later
 * operation of the item with it (a change made while the conflicted operation was in flight is appended, queued
 * against the version the conflict replaced).
 */
const MODES: PushMode[] = [
  { name: 'one request per operation', store: 'memory', batch: false },
  { name: 'batch endpoint', store: 'memory', batch: true },
]
const RESOLUTIONS: Resolution[] = [{ choice: 'client' }, { choice: 'merge', item: { text: 'merged' } }]

describe.each(MODES)('later operations of an item in conflict: $name', (mode) => {
  const suite = pushSuite(mode)

  it.each(RESOLUTIONS)('$choice: they take the server\'s version, so a delete that follows meets no second conflict', async (resolution) => {
    const id = newId('later')
    let edited = false
    const s = await suite.setup({
      interception: {
        async before(request) {
          if (!edited && request.ops.includes(`update:${id}`)) {
            edited = true
            // an edit while the update is in flight: appended, queued against the version before the conflict
            await s.client.table('todos').update({ id, text: 'mine 2' })
          }
        },
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    const base = (await s.local('todos', id))!.version
    const theirs = await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await s.client.table('todos').update({ id, text: 'mine' })
    const result = await s.push()
    expect(result.conflicts).toEqual([expect.objectContaining({ itemId: id, status: 412 })])
    expect((await s.operations()).map(op => [op.kind, op.state, op.version])).toEqual([['update', 'conflict', base], ['update', 'pending', base]])

    await resolveConflict({ client: s.client }, result.conflicts[0]!.id, resolution)
    expect((await s.operations()).map(op => [op.kind, op.state, op.version])).toEqual([['update', 'pending', theirs.version], ['update', 'pending', theirs.version]])

    // the user deletes the row: the delete replaces the later update (never sent) and keeps its version; the
    // resolved update has no row to send any more and is dropped, so the delete goes first, against that version
    await s.client.table('todos').remove(id)
    expect((await s.operations()).map(op => [op.kind, op.version])).toEqual([['update', theirs.version], ['delete', theirs.version]])
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await listConflicts(s.store)).toEqual([])
    expect(await s.operations()).toEqual([])
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ deleted: true })
  })

  it('a later delete\'s snapshot takes the server\'s version too', async () => {
    const id = newId('later-delete')
    let deleted = false
    const s = await suite.setup({
      interception: {
        async before(request) {
          if (!deleted && request.ops.includes(`update:${id}`)) {
            deleted = true
            await s.client.table('todos').remove(id)
          }
        },
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    const theirs = await changeOnServer(suite.h, 'todos', id, { text: 'theirs' })
    await s.client.table('todos').update({ id, text: 'mine' })
    const result = await s.push()
    expect(result.conflicts).toHaveLength(1)
    await resolveConflict({ client: s.client }, result.conflicts[0]!.id, { choice: 'client' })
    const [, remove] = await s.operations()
    expect(remove).toMatchObject({ kind: 'delete', version: theirs.version, item: { id, version: theirs.version } })
    expect(await s.push()).toMatchObject({ pushed: 1, conflicts: [], errors: [] })
    expect(await serverItem(suite.h, 'todos', id)).toMatchObject({ deleted: true })
    expect(await s.operations()).toEqual([])
  })
})
