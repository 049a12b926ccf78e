/**
 * The write ledger of the convergence suite: every local write a device made (each insert and update carries a
 * unique `token` column), every write the conflict policy gave up (`server` resolutions), and the server's commit
 * log (a trigger appends every committed row version). `unaccounted()` names each local write that vanished.
 *
 * A local write is accounted for when one of these holds:
 * 1. applied: an insert or update whose token the server committed at some point (it may be overwritten since:
 *    last writer wins), or a delete of a row the server has marked deleted at some point;
 * 2. never needed: a delete of a row the server never had (the device's own insert and delete collapsed locally);
 * 3. lost by policy: the device's conflict policy chose the server's side for a conflict whose client side was this
 *    write (same device, row and token; for a delete, a conflict of kind `delete` on that row);
 * 4. superseded: the same device wrote the same row later (an update or delete sends the whole row as it is then,
 *    so the later write carries this one's intent), and that later write is itself accounted for.
 * Anything else is a lost write.
 */
export type WriteKind = 'insert' | 'update' | 'delete'

export interface LocalWrite {
  /** Order of the writes across the run. */
  seq: number
  client: string
  table: string
  id: string
  kind: WriteKind
  /** The token the write stored (insert, update). */
  token?: string
}

export interface LostWrite {
  client: string
  table: string
  id: string
  kind: WriteKind
  token?: string
}

/** One committed row version on the server. */
export interface ServerVersion {
  table: string
  id: string
  token: string | null
  deleted: boolean
}

export interface Ledger {
  readonly writes: LocalWrite[]
  readonly lost: LostWrite[]
  write: (write: Omit<LocalWrite, 'seq'>) => void
  loseByPolicy: (lost: LostWrite) => void
  /** The writes not accounted for, given the server's commit log. */
  unaccounted: (log: readonly ServerVersion[]) => LocalWrite[]
}

const rowKey = (table: string, id: string) => `${table}\u0000${id}`

export function createLedger(): Ledger {
  const writes: LocalWrite[] = []
  const lost: LostWrite[] = []
  return {
    writes,
    lost,
    write: write => void writes.push({ ...write, seq: writes.length + 1 }),
    loseByPolicy: entry => void lost.push({ ...entry }),
    unaccounted(log) {
      const tokens = new Set<string>()
      const deleted = new Set<string>()
      const seen = new Set<string>()
      for (const version of log) {
        const key = rowKey(version.table, version.id)
        seen.add(key)
        if (version.token !== null) tokens.add(`${key}\u0000${version.token}`)
        if (version.deleted) deleted.add(key)
      }
      const lostKeys = new Set(lost.map(entry => `${entry.client}\u0000${rowKey(entry.table, entry.id)}\u0000${entry.kind === 'delete' ? '#delete' : entry.token}`))
      const direct = (write: LocalWrite): boolean => {
        const key = rowKey(write.table, write.id)
        if (write.kind === 'delete') return deleted.has(key) || !seen.has(key) || lostKeys.has(`${write.client}\u0000${key}\u0000#delete`)
        return tokens.has(`${key}\u0000${write.token}`) || lostKeys.has(`${write.client}\u0000${key}\u0000${write.token}`)
      }
      // per device and row, from the last write back: accounted directly, or superseded by an accounted later one
      const byDeviceRow = new Map<string, LocalWrite[]>()
      for (const write of writes) {
        const key = `${write.client}\u0000${rowKey(write.table, write.id)}`
        const list = byDeviceRow.get(key)
        if (list) list.push(write)
        else byDeviceRow.set(key, [write])
      }
      const missing: LocalWrite[] = []
      for (const list of byDeviceRow.values()) {
        let laterAccounted = false
        for (let at = list.length - 1; at >= 0; at--) {
          laterAccounted = direct(list[at]!) || laterAccounted
          if (!laterAccounted) missing.push(list[at]!)
        }
      }
      return missing.sort((a, b) => a.seq - b.seq)
    },
  }
}
