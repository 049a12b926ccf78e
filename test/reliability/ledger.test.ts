import { describe, expect, it } from 'vitest'
import { createLedger, type ServerVersion } from './support/ledger'

/** The ledger's accounting rules (support/ledger.ts), one by one. */
const v = (id: string, token: string | null, deleted = false, table = 'shared'): ServerVersion => ({ table, id, token, deleted })

describe('write ledger', () => {
  it('an insert or update is accounted for once the server committed its token, even if overwritten since', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'insert', token: 'c1.1' })
    ledger.write({ client: 'c2', table: 'shared', id: 'a', kind: 'update', token: 'c2.1' })
    expect(ledger.unaccounted([v('a', 'c1.1'), v('a', 'c2.1')])).toEqual([])
    expect(ledger.unaccounted([v('a', 'c2.1')]).map(w => w.token)).toEqual(['c1.1'])
  })

  it('a token of the same id in another table does not count', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'own', id: 'a', kind: 'insert', token: 'c1.1' })
    expect(ledger.unaccounted([v('a', 'c1.1')])).toHaveLength(1)
  })

  it('a write superseded by a later accounted write of the same device and row is accounted for', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'insert', token: 'c1.1' })
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'update', token: 'c1.2' })
    expect(ledger.unaccounted([v('a', 'c1.2')])).toEqual([])
    // superseded by a write that is itself lost: both are missing
    expect(ledger.unaccounted([]).map(w => w.token)).toEqual(['c1.1', 'c1.2'])
  })

  it('another device\'s later write does not supersede mine', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'update', token: 'c1.1' })
    ledger.write({ client: 'c2', table: 'shared', id: 'a', kind: 'update', token: 'c2.1' })
    expect(ledger.unaccounted([v('a', 'c2.1')]).map(w => w.token)).toEqual(['c1.1'])
  })

  it('a delete is accounted for when the server deleted the row, or never had it (insert and delete collapsed)', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'delete' })
    ledger.write({ client: 'c1', table: 'shared', id: 'b', kind: 'insert', token: 'c1.1' })
    ledger.write({ client: 'c1', table: 'shared', id: 'b', kind: 'delete' })
    expect(ledger.unaccounted([v('a', 'x'), v('a', 'x', true)])).toEqual([])
    expect(ledger.unaccounted([v('a', 'x'), v('b', 'c1.1')]).map(w => `${w.kind} ${w.id}`)).toEqual(['delete a', 'delete b'])
  })

  it('a server resolution decided after a write gives it up, only for that device and row', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'update', token: 'c1.1' })
    ledger.write({ client: 'c1', table: 'shared', id: 'b', kind: 'delete' })
    ledger.loseByPolicy({ client: 'c2', table: 'shared', id: 'a' })
    ledger.loseByPolicy({ client: 'c1', table: 'own', id: 'a' })
    const log = [v('a', 'x'), v('b', 'y')]
    expect(ledger.unaccounted(log)).toHaveLength(2)
    ledger.loseByPolicy({ client: 'c1', table: 'shared', id: 'a' })
    ledger.loseByPolicy({ client: 'c1', table: 'shared', id: 'b' })
    expect(ledger.unaccounted(log)).toEqual([])
  })

  it('a resolution does not give up the writes made after it was decided', () => {
    const ledger = createLedger()
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'update', token: 'c1.1' })
    ledger.loseByPolicy({ client: 'c1', table: 'shared', id: 'a' })
    ledger.write({ client: 'c1', table: 'shared', id: 'a', kind: 'update', token: 'c1.2' })
    expect(ledger.unaccounted([v('a', 'x')]).map(w => w.token)).toEqual(['c1.2'])
  })
})
