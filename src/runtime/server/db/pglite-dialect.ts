import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely'

/** `memory://` keeps the embedded database in memory (tests); anything else is a folder. */
export const MEMORY_DATA_DIR = 'memory://'

/**
 * Opens the embedded PostgreSQL (PGlite) in `dataDir`, creating the folder when it is missing.
 * Relative folders are resolved against the working directory.
 */
export async function openPGlite(dataDir: string): Promise<PGlite> {
  if (!dataDir || dataDir.startsWith(MEMORY_DATA_DIR)) {
    const pglite = new PGlite(MEMORY_DATA_DIR)
    await pglite.waitReady
    return pglite
  }
  const dir = resolve(dataDir)
  await mkdir(dir, { recursive: true })
  const pglite = new PGlite(dir)
  await pglite.waitReady
  return pglite
}

/**
 * A Kysely dialect over PGlite. PGlite has one connection, so Kysely serialises every query and
 * transaction on it (`supportsMultipleConnections = false`); destroying the Kysely instance closes
 * the database. Pass an open instance, or a folder / `memory://`.
 *
 * ```ts
 * const db = new Kysely<Database>({ dialect: createPGliteDialect('memory://') })
 * ```
 */
export function createPGliteDialect(source: string | PGlite): PGliteDialect {
  return new PGliteDialect({
    pglite: typeof source === 'string' ? () => openPGlite(source) : source,
  })
}
