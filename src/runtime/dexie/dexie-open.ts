import Dexie from 'dexie'
import { sameStores, type DexieStores } from './dexie-schema'

/** What IndexedDB to use; defaults to the browser's globals (pass fake-indexeddb in Node tests). */
export interface DexieDependencies {
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
}

interface Installed {
  version: number
  stores: DexieStores
}

/** Version and schema of the database as it exists now, or `undefined` when there is none. */
async function readInstalled(name: string, deps: DexieDependencies): Promise<Installed | undefined> {
  const probe = new Dexie(name, { ...deps, autoOpen: false })
  try {
    await probe.open()
  }
  catch (error) {
    if (error instanceof Dexie.NoSuchDatabaseError) return undefined
    throw error
  }
  try {
    const stores: DexieStores = {}
    for (const table of probe.tables) {
      if (table.name === '$meta') continue
      stores[table.name] = [table.schema.primKey.src, ...table.schema.indexes.map(index => index.src)].join(', ')
    }
    return { version: probe.verno, stores }
  }
  finally {
    probe.close()
  }
}

/**
 * Opens database `name` with schema `wanted`. Dexie needs a higher version number for any schema change, and the
 * options can change between releases of an app, so the version is derived from what is installed: the same
 * version when the schema matches, the next one when a table or index is new (or an index was dropped).
 * The upgrade only adds or drops indexes and adds tables; tables no longer declared are kept with their
 * rows, so neither rows nor queued operations are lost. `onBlocked` is called when the upgrade has to wait for
 * another connection to close.
 */
export async function openDexie(name: string, wanted: DexieStores, deps: DexieDependencies, onBlocked?: () => void): Promise<Dexie> {
  const installed = await readInstalled(name, deps)
  let version = 1
  let stores = wanted
  if (installed) {
    stores = { ...installed.stores, ...wanted }
    version = sameStores(installed.stores, wanted) ? installed.version : Math.floor(installed.version) + 1
  }
  // autoOpen: after another tab upgrades the schema, Dexie closes this connection and reopens it on next use.
  const db = new Dexie(name, { ...deps })
  db.version(version).stores(stores)
  // another connection did not close on versionchange: the upgrade waits until it does
  if (onBlocked) db.on('blocked', onBlocked)
  await db.open()
  return db
}
