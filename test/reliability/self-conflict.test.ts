import { describe, expect, it } from 'vitest'
import { createTableClient } from '../../src/runtime/core/sync'
import type { ConflictRecord } from '../../src/runtime/core/sync/contract'
import { createLedger } from './support/ledger'
import type { ServerVersion } from './support/ledger'
import { nodeSimClient } from './support/node-sim-client'
import { revivedByUndelete, revivedNote, selfConflict } from './support/self-conflict'
import { SIM_QUERIES, SIM_TABLES } from './support/sim-client'
import { startSimServer } from './support/sim-server'

/** The convergence suite's self-conflict check: a conflict with the device's own applied write is a lost response not recognised. */
function setup() {
  const ledger = createLedger()
  ledger.write({ client: 'c1', table: 'shared', id: 'r1', kind: 'insert', token: 'c1.1' })
  ledger.write({ client: 'c2', table: 'shared', id: 'r1', kind: 'update', token: 'c2.1' })
  ledger.write({ client: 'c1', table: 'shared', id: 'r1', kind: 'update', token: 'c1.2' })
  return ledger
}

const conflict = (over: Partial<ConflictRecord>): ConflictRecord => ({
  id: 'k1',
  table: 'shared',
  itemId: 'r1',
  operationSeq: 1,
  kind: 'update',
  status: 412,
  clientItem: { id: 'r1', token: 'c1.2' },
  serverItem: { id: 'r1', version: 'v2', token: 'c1.1' },
  createdAt: 0,
  ...over,
})

describe('self-conflict check', () => {
  it.each([
    ['an update meeting its own earlier write', {}],
    ['an update meeting exactly what it sent', { serverItem: { id: 'r1', version: 'v3', token: 'c1.2' } }],
    ['an insert answered 409 with its own row', { kind: 'insert', status: 409, serverItem: { id: 'r1', token: 'c1.1' } }],
  ] as const)('flags %s', (_, over) => {
    expect(selfConflict(setup(), 'c1', conflict(over as Partial<ConflictRecord>))).toMatch(/^c1: self-conflict: a lost response was not recognised \(.* shared\/r1 .*token c1\.\d/)
  })

  it.each([
    ['another device\'s write on the server', 'c1', { serverItem: { id: 'r1', version: 'v3', token: 'c2.1' } }],
    ['a row the server deleted since (a real conflict)', 'c1', { serverItem: { id: 'r1', version: 'v3', token: 'c1.1', deleted: true } }],
    ['a delete meeting the device\'s own update (it now sends a delete)', 'c1', { kind: 'delete' }],
    ['no server item', 'c1', { status: 404, serverItem: undefined }],
    ['another device meeting this device\'s token', 'c2', {}],
    ['the same token on another row', 'c1', { itemId: 'r2' }],
  ] as const)('does not flag %s', (_, device, over) => {
    expect(selfConflict(setup(), device, conflict(over as Partial<ConflictRecord>))).toBeUndefined()
  })

  describe('explained by the server\'s commit log as a v2 undelete\'s revival', () => {
    const entry = (version: string, token: string, deleted: boolean, id = 'r1'): ServerVersion => ({ table: 'shared', id, token, deleted, version })
    // c1 inserted r1 (v1), someone deleted it (v2, values kept), an undelete brought it back (v3, values kept)
    const revived = [entry('v1', 'c1.1', false), entry('x1', 'c2.1', false, 'r2'), entry('v2', 'c1.1', true), entry('v3', 'c1.1', false)]

    it('the server item is the version an undelete logged right after the deleted row with the same token', () => {
      expect(revivedByUndelete(revived, conflict({ serverItem: { id: 'r1', version: 'v3', token: 'c1.1' } }))).toBe(true)
    })

    it.each([
      ['the push that wrote the token (a real lost answer)', revived, 'v1'],
      ['a version whose row was not deleted just before', [entry('v1', 'c1.1', false), entry('v3', 'c1.1', false)], 'v3'],
      ['a revival whose deleted row carried another token', [entry('v2', 'c2.1', true), entry('v3', 'c1.1', false)], 'v3'],
      ['a version the log does not hold', revived, 'v9'],
      ['the deleted version itself', revived, 'v2'],
    ] as const)('not: %s', (_, log, version) => {
      expect(revivedByUndelete(log, conflict({ serverItem: { id: 'r1', version, token: 'c1.1' } }))).toBe(false)
    })

    it('the note names the re-creation case as the known limitation, and an update as a real conflict', () => {
      const insert = conflict({ kind: 'insert', serverItem: { id: 'r1', version: 'v3', token: 'c1.1' } })
      const update = conflict({ serverItem: { id: 'r1', version: 'v3', token: 'c1.1' } })
      expect(revivedNote(selfConflict(setup(), 'c1', insert)!, insert)).toMatch(/^c1: self-conflict explained \(insert of shared\/r1 .*v2 undelete's revival.*known limitation/)
      expect(revivedNote(selfConflict(setup(), 'c1', update)!, update)).toMatch(/^c1: self-conflict explained \(update of shared\/r1 .*real conflict/)
    })

    it('end to end: an update meeting another device\'s v2 re-creation of its own old row is flagged, and the server\'s log explains it', async () => {
      const server = await startSimServer()
      const ledger = createLedger()
      const met: ConflictRecord[] = []
      const device = await nodeSimClient({ apiVersion: '3.0.0' })({ name: 'c8', baseUrl: `${server.harness.url}/tables`, tables: SIM_TABLES, queries: SIM_QUERIES, resolveConflict: () => ({ choice: 'client' }), onResolved: found => void met.push(found) })
      try {
        const id = 'c8-shared-1'
        const write = async (kind: 'insert' | 'update', token: string) => {
          ledger.write({ client: 'c8', table: 'shared', id, kind, token })
          await device[kind]('shared', { id, text: token, n: 1, token, author: 'c8' })
        }
        await write('insert', 'c8.1')
        await device.push()
        // someone deletes the row; a v2 device re-creates it: its undelete brings the row back with c8's values
        const other = createTableClient({ baseUrl: `${server.harness.url}/tables`, apiVersion: '2.0.0' })
        await other.delete('shared', id, (await other.get('shared', id))!.version)
        await other.undelete!('shared', { id }, (await other.get('shared', id, { includeDeleted: true }))!.version)
        await write('update', 'c8.2')
        // the handler resolves it (client wins), so the push reports none left; it met exactly one
        await device.push()
        expect(met).toHaveLength(1)
        const [found] = met
        expect(found).toMatchObject({ kind: 'update', status: 412, serverItem: { token: 'c8.1', deleted: false } })
        const flagged = selfConflict(ledger, 'c8', found!)
        expect(flagged).toMatch(/^c8: self-conflict: a lost response was not recognised \(update of shared\/c8-shared-1 answered 412; the server holds token c8\.1,/)
        expect(revivedByUndelete(await server.log(), found!)).toBe(true)
        expect(revivedNote(flagged!, found!)).toMatch(/real conflict/)
      }
      finally {
        await device.dispose()
        await server.close()
      }
    })
  })
})
