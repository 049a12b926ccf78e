/**
 * The write ledger of the convergence suite: every local write a device made (each insert and update carries a
 * unique `token` column), every write the conflict policy gave up (`server` resolutions), and the server's commit
 * log (a trigger appends every committed row version). `unaccounted()` names each local write that vanished.
 *
 * A local write is accounted for when one of these holds:
 * 1. applied: an insert or update whose token the server committed at some point (it may be overwritten since:
 *    last writer wins), or a delete of a row the server has marked deleted at some point;
 * 2. never needed: a delete of a row the server never had (the device's own insert and delete collapsed locally);
 * 3. lost by policy: the device's conflict policy chose the server's side for a conflict of that row after this
 *    write was made (such a resolution drops every change of the row still queued on the device; a push applies a
 *    handler's answer only if the row did not change while it decided, so no later write is dropped unseen);
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

/** A `server` (or `discard`) resolution of a conflict on a row: it gives up the device's writes of the row up to `upTo`. */
export interface LostWrite {
  client: string
  table: string
  id: string
  /** The `seq` of the last local write made before the resolution was decided. */
  upTo: number
}

/** One committed row version on the server. */
export interface ServerVersion {
  table: string
  id: string
  token: string | null
  deleted: boolean
  /** The version the server stamped on it. */
  version?: string
}

export interface Ledger {
  readonly writes: LocalWrite[]
  readonly lost: LostWrite[]
  /**
   * Records a local write as it starts (so a conflict decided while it commits counts it as made before); returns
   * the undo for a write the store refused.
   */
  write: (write: Omit<LocalWrite, 'seq'>) => () => void
  /** Records a resolution that gave up the device's queued changes of a row, decided now. */
  loseByPolicy: (lost: Omit<LostWrite, 'upTo'>) => void
  /** The writes not accounted for, given the server's commit log. */
  unaccounted: (log: readonly ServerVersion[]) => LocalWrite[]
}

const rowKey = (table: string, id: string) => `${table}\u0000${id}`

export function createLedger(): Ledger {
  const writes: LocalWrite[] = []
  const lost: LostWrite[] = []
  let seq = 0
  return {
    writes,
    lost,
    write(write) {
      const entry = { ...write, seq: ++seq }
      writes.push(entry)
      return () => {
        const at = writes.indexOf(entry)
        if (at >= 0) writes.splice(at, 1)
      }
    },
    loseByPolicy: entry => void lost.push({ ...entry, upTo: seq }),
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
      // per device and row, the latest write a policy resolution gave up
      const lostUpTo = new Map<string, number>()
      for (const entry of lost) {
        const key = `${entry.client}\u0000${rowKey(entry.table, entry.id)}`
        lostUpTo.set(key, Math.max(lostUpTo.get(key) ?? 0, entry.upTo))
      }
      const direct = (write: LocalWrite): boolean => {
        const key = rowKey(write.table, write.id)
        if (write.seq <= (lostUpTo.get(`${write.client}\u0000${key}`) ?? 0)) return true
        if (write.kind === 'delete') return deleted.has(key) || !seen.has(key)
        return tokens.has(`${key}\u0000${write.token}`)
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
