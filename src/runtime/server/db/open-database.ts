import { Kysely, PostgresDialect } from 'kysely'
import { IDENTIFIER } from '../../core/schema'
import type { SyncKysely } from '../types'
import { createPGliteDialect } from './pglite-dialect'

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string. Empty: the embedded database. */
  url?: string
  /** Folder of the embedded database, or `memory://`. @default '.data/offline-sync' */
  dataDir?: string
  /** PostgreSQL only: the schema to work in (`search_path`), e.g. for tests. */
  schema?: string
  /** PostgreSQL only: largest number of pooled connections. @default 10 */
  poolSize?: number
}

export interface SyncDatabase {
  db: SyncKysely
  kind: 'embedded' | 'postgres'
  /** Closes the pool or the embedded database. */
  close: () => Promise<void>
}

/** Opens PostgreSQL when a URL is given (through `pg`), else the embedded PGlite database in `dataDir`. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<SyncDatabase> {
  if (options.url) {
    if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) throw new Error(`[nuxt-offline-sync] invalid schema name "${options.schema}"`)
    const { default: pg } = await import('pg')
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    })
    // An idle client that loses its connection emits 'error' on the pool; without a listener that kills the process.
    pool.on('error', error => console.error('[nuxt-offline-sync] PostgreSQL connection error', error.message))
    const db: SyncKysely = new Kysely({ dialect: new PostgresDialect({ pool }) })
    return { db, kind: 'postgres', close: () => db.destroy() }
  }
  const db: SyncKysely = new Kysely({ dialect: createPGliteDialect(options.dataDir || '.data/offline-sync') })
  return { db, kind: 'embedded', close: () => db.destroy() }
}
