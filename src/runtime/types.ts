import type { SystemColumns } from './core/protocol/system'

export type { SystemColumns }

/**
 * Row types of the declared tables, by table name. The module generates an augmentation of this
 * interface (`.nuxt/types/offline-sync.d.ts`) from the `offlineSync.tables` option, so that
 * `useSyncTable('todos')` is typed without a generic and an unknown table name is a type error.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OfflineSyncTables {}

/** The name of a declared table; any string while no table is declared (nothing generated yet). */
export type SyncTableName = [keyof OfflineSyncTables] extends [never] ? string : Extract<keyof OfflineSyncTables, string>

/** A row with its system columns and any user columns: the type of a table nobody declared. */
export type UntypedRow = SystemColumns & Record<string, unknown>

/** The row type of a declared table: its user columns (optional, nullable) plus the system columns. */
export type SyncRow<N extends string> = N extends keyof OfflineSyncTables ? OfflineSyncTables[N] : UntypedRow
