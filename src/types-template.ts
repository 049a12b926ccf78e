import type { TablesDefinition } from './runtime/core/schema'

/** Generated declaration that types `useSyncTable(name)` from the table declarations (filled in by the Vue layer). */
export function tableTypesTemplate(_tables: TablesDefinition, _runtimeTypes: string): string {
  return 'export {}\n'
}
