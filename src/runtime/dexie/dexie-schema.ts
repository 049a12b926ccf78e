import type { TableLayout } from '../core/store-layout'

/** Dexie store specs (`{ todos: 'id, listId, [listId+done]' }`), the first entry being the primary key. */
export type DexieStores = Record<string, string>

/** Dexie's name for an index: `a` or `[a+b]`. */
export function dexieIndexName(fields: string[]): string {
  return fields.length === 1 ? fields[0]! : `[${fields.join('+')}]`
}

/** The Dexie schema of a store layout: `id` (or `++seq`) then the secondary indexes. */
export function dexieStores(layouts: Iterable<TableLayout>): DexieStores {
  const stores: DexieStores = {}
  for (const layout of layouts) {
    const primary = `${layout.autoIncrement ? '++' : ''}${layout.primaryKey}`
    const indexes = [...new Set(layout.indexes.map(dexieIndexName))]
    stores[layout.name] = [primary, ...indexes].join(', ')
  }
  return stores
}

/** A spec reduced to compare equal however it is written: primary key first, indexes sorted. */
function normalise(spec: string): string {
  const [primary = '', ...indexes] = spec.split(',').map(part => part.trim()).filter(Boolean)
  return [primary, ...indexes.sort()].join(',')
}

/** True when `installed` already has every table and index of `wanted`, and no index `wanted` dropped. */
export function sameStores(installed: DexieStores, wanted: DexieStores): boolean {
  for (const [name, spec] of Object.entries(wanted)) {
    if (installed[name] === undefined || normalise(installed[name]) !== normalise(spec)) return false
  }
  return true
}
