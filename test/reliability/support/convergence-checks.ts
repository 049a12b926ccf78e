import type { Device } from './convergence-state'
import type { Ledger } from './ledger'
import type { SimServer } from './sim-server'
import type { SimStoredRow } from './sim-client'

export interface CheckResult {
  /** Every failed invariant, described. */
  problems: string[]
  /** Local writes not accounted for (see ledger.ts). */
  unaccounted: number
  serverRows: number
}

const byId = (a: SimStoredRow, b: SimStoredRow) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0
const show = (row: SimStoredRow | undefined) => row ? JSON.stringify(row) : 'none'

/** Up to 3 differences between a device's rows of a table and the server's, described. */
function differences(mine: SimStoredRow[], theirs: SimStoredRow[]): string[] {
  const server = new Map(theirs.map(row => [row.id, row]))
  const local = new Map(mine.map(row => [row.id, row]))
  const out: string[] = []
  for (const id of new Set([...server.keys(), ...local.keys()])) {
    const a = local.get(id)
    const b = server.get(id)
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${id}: device ${show(a)}, server ${show(b)}`)
    if (out.length === 3) break
  }
  return out
}

/**
 * The end-of-run invariants: every queue empty and no conflict left; every device's tables equal the server's
 * live rows (user columns, version, updatedAt); no duplicate ids or tokens; every live row's token comes from a
 * recorded write; every local write accounted for by the ledger.
 */
export async function checkConvergence(devices: Device[], server: SimServer, ledger: Ledger): Promise<CheckResult> {
  const problems: string[] = []
  const serverTables = await server.rows()
  for (const rows of Object.values(serverTables)) rows.sort(byId)
  const tokens = new Set(ledger.writes.map(write => write.token).filter(Boolean))
  let serverRows = 0
  for (const [table, rows] of Object.entries(serverTables)) {
    serverRows += rows.length
    const seen = new Set<string>()
    for (const row of rows) {
      if (!row.token || !tokens.has(row.token)) problems.push(`server ${table}/${row.id}: token ${row.token} was never written by a device`)
      if (row.token && seen.has(row.token)) problems.push(`server ${table}: token ${row.token} on two rows`)
      if (row.token) seen.add(row.token)
    }
  }
  for (const device of devices) {
    const name = device.sim.name
    const queue = await device.sim.queueLength()
    if (queue) problems.push(`${name}: ${queue} operation(s) left in the queue`)
    const conflicts = await device.sim.conflicts()
    if (conflicts.length) problems.push(`${name}: ${conflicts.length} conflict(s) left: ${conflicts.map(c => `${c.table}/${c.itemId}`).join(', ')}`)
    const snapshot = await device.sim.snapshot()
    for (const [table, theirs] of Object.entries(serverTables)) {
      const mine = [...(snapshot[table] ?? [])].sort(byId)
      if (new Set(mine.map(row => row.id)).size !== mine.length) problems.push(`${name}: duplicate ids in ${table}`)
      const diff = differences(mine, theirs)
      if (diff.length) problems.push(`${name}: ${table} differs from the server (${mine.length} rows here, ${theirs.length} there): ${diff.join('; ')}`)
    }
  }
  const missing = ledger.unaccounted(await server.log())
  for (const write of missing.slice(0, 10)) {
    problems.push(`lost write: ${write.client} ${write.kind} ${write.table}/${write.id}${write.token ? ` token ${write.token}` : ''} (write #${write.seq})`)
  }
  if (missing.length > 10) problems.push(`… and ${missing.length - 10} more lost writes`)
  return { problems, unaccounted: missing.length, serverRows }
}
