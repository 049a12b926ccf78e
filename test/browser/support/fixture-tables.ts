import type { TablesDefinition } from '../../../src/runtime/core/schema'
import type { NamedQuery } from '../../../src/runtime/core/sync/contract'
import { SIM_QUERIES, SIM_TABLES } from '../../reliability/support/sim-client'

/** Written in bursts by the crash tests (inserts, updates, deletes). */
export const NOTES = 'notes'
/** Seeded on the server and pulled by the crash tests. */
export const ITEMS = 'items'
/** The named, incremental query that pulls every row of `items`. */
export const ITEMS_QUERY = 'items'

/** The sync tables of test/fixtures/reliability: those of the crash tests and those of the convergence suite. */
export const FIXTURE_TABLES: TablesDefinition = {
  [NOTES]: { columns: { title: 'string', n: 'number', done: 'boolean' } },
  [ITEMS]: { columns: { title: 'string', n: 'number', even: 'boolean' } },
  ...SIM_TABLES,
}

/** Its named queries. */
export const FIXTURE_QUERIES: Record<string, NamedQuery> = {
  [ITEMS_QUERY]: { table: ITEMS },
  ...SIM_QUERIES,
}
