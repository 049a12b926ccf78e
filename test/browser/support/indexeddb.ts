import type { Page } from 'playwright-core'

/**
 * Every record of the given object stores of IndexedDB database `name`, read in one read transaction straight from
 * IndexedDB (not through the app), so what a test sees is what is stored.
 */
export function readStores(page: Page, name: string, stores: string[]): Promise<Record<string, Record<string, unknown>[]>> {
  return page.evaluate(([name, stores]) => new Promise<Record<string, Record<string, unknown>[]>>((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const db = request.result
      const tx = db.transaction(stores, 'readonly')
      const reads = stores.map(store => tx.objectStore(store).getAll())
      tx.oncomplete = () => {
        db.close()
        resolve(Object.fromEntries(stores.map((store, i) => [store, reads[i]!.result as Record<string, unknown>[]])))
      }
      tx.onerror = () => reject(tx.error)
    }
  }), [name, stores] as const)
}

/** How many records object store `store` of database `name` holds (0 while the database or the store does not exist yet). */
export function countStore(page: Page, name: string, store: string): Promise<number> {
  return page.evaluate(([name, store]) => new Promise<number>((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const db = request.result
      if (!db.objectStoreNames.contains(store)) {
        db.close()
        resolve(0)
        return
      }
      const count = db.transaction(store, 'readonly').objectStore(store).count()
      count.onsuccess = () => {
        db.close()
        resolve(count.result)
      }
      count.onerror = () => reject(count.error)
    }
  }), [name, store] as const)
}

/**
 * Opens a readwrite transaction on object store `store` of database `name` in the page and keeps it alive (it asks
 * for a missing key again on every answer) until the page dies: every other readwrite transaction whose scope
 * includes `store` waits behind it, so a write the app starts meanwhile is issued but never committed. Resolves
 * once the transaction holds the store.
 */
export function holdStore(page: Page, name: string, store: string): Promise<void> {
  return page.evaluate(([name, store]) => new Promise<void>((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const tx = request.result.transaction(store, 'readwrite')
      tx.onerror = () => reject(tx.error)
      const objects = tx.objectStore(store)
      const spin = () => {
        objects.get('\u0000 a key no row has').onsuccess = () => {
          resolve()
          spin()
        }
      }
      spin()
    }
  }), [name, store] as const)
}
