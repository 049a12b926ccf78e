import type { CompileContext } from '../../../src/runtime/server/odata'

/** The table the type-check and database tests use: one user column of every type. */
export const ctx: CompileContext = {
  columns: { text: 'string', n: 'number', done: 'boolean', complete: 'boolean', due: 'date', meta: 'json', userId: 'string' },
}
