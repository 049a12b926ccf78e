import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LocalStore } from '../../src/runtime/core/store'
import { resolveConflict } from '../../src/runtime/core/sync/conflicts'
import { pull } from '../../src/runtime/core/sync/pull'
import { push, recoverInflight } from '../../src/runtime/core/sync/push'
import { newId, startHarness, type Harness } from '../conformance/support/harness'
import { changeOnServer, insertOnServer, pushSetup, PUSH_TABLES, serverItem, type Interception, type PushSetup } from './push-support'

/**
 * REVIEW R1: each test demonstrates a data-loss bug of the sync engine found in review. They FAIL on the code as
 * reviewed; they pass once the bug is fixed. Do not weaken them to make them pass.
 */
describe('REVIEW R1 (fails until fixed): local changes that get lost', () => {
  let h: Harness
  const stores: LocalStore[] = []
  beforeAll(async () => {
    h = await startHarness('embedded', { tables: PUSH_TABLES, maxBatchSize: 0 })
  })
  afterAll(async () => {
    await h?.close()
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map(store => store.close()))
  })
  async function setup(interception?: Interception): Promise<PushSetup> {
    const s = await pushSetup(h, { name: 'memory', store: 'memory', batch: false }, { interception })
    stores.push(s.store)
    return s
  }

  // BUG (push-settle.ts settleSuccess, `handedBack`): an update handed back to pending by another tab's
  // recoverInflight (no Web Lock: insecure origin, old browser) and then collapsed into a delete (update → delete
  // "replace", same seq) is removed from the queue when the update's 200 arrives: the delete never reaches the server.
  it('a local delete collapsed into an update that another tab handed back while in flight still reaches the server', async () => {
    const id = newId('handback')
    let deleted = false
    const s = await setup({
      async after(request) {
        if (!deleted && request.ops.includes(`update:${id}`)) {
          deleted = true
          // a second tab starts (recoverInflight) and its user deletes the row while the PATCH's answer travels
          expect(await recoverInflight(s.store)).toBe(1)
          await s.client.table('todos').remove(id)
        }
      },
    })
    await s.client.table('todos').insert({ id, text: 'v0' })
    await s.push()
    await s.client.table('todos').update({ id, text: 'v1' })
    await s.push()
    expect(await s.local('todos', id)).toBeUndefined()
    // on the reviewed code the queue is empty here and the server row live: the delete was dropped with the update
    const queued = (await s.operations()).map(op => op.kind)
    const server = await serverItem(h, 'todos', id)
    expect(queued.includes('delete') || server?.deleted === true).toBe(true)
    // the user's delete must still be queued (or already applied): push until the queue is empty
    await s.push()
    expect(await serverItem(h, 'todos', id)).toMatchObject({ deleted: true })
  })

  // BUG (pull-page.ts writePage skips rows with queued operations but the watermark moves past them; conflict-apply.ts
  // 'server' stores the serverItem captured when the conflict was recorded): a server change made after the
  // conflict is pulled, skipped, and never fetched again: "server wins" leaves a stale row for good.
  it('server wins after a pull skipped the conflicted row: the local row ends as the server has it now', async () => {
    const s = await setup()
    const id = newId('stale')
    await s.client.table('todos').insert({ id, text: 'base', n: 1 })
    await s.push()
    await changeOnServer(h, 'todos', id, { text: 'theirs v2' })
    await s.client.table('todos').update({ id, text: 'mine' })
    const { conflicts: [conflict] } = await s.push()
    expect(conflict).toBeDefined()
    // another device changes the row again, then writes another row (the pull's watermark goes past our row)
    const latest = await changeOnServer(h, 'todos', id, { text: 'theirs v3' })
    await insertOnServer(h, 'todos', { id: newId('later'), text: 'later' })
    const deps = { client: s.client, tableClient: s.tableClient, pushFirst: () => push({ client: s.client, tableClient: s.tableClient }) }
    const first = await pull(deps, 'todos', { name: 'all' })
    expect(first.skipped).toBeGreaterThanOrEqual(1)
    await resolveConflict({ client: s.client }, conflict!.id, { choice: 'server' })
    await pull(deps, 'todos', { name: 'all' })
    expect(await s.local('todos', id)).toMatchObject({ text: 'theirs v3', version: latest.version })
  })
})
