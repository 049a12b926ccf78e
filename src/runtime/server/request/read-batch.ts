import type { BatchOperation } from '../../core/sync/contract'
import { itemIdProblem } from '../protocol/item-id'
import { badRequest } from '../errors'
import type { TableSpec } from '../table-spec'

const KINDS: ReadonlySet<string> = new Set(['insert', 'update', 'delete'])

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

function readOperation(value: unknown, index: number, tables: ReadonlyMap<string, TableSpec>): BatchOperation {
  const at = `operations[${index}]`
  if (!isObject(value)) throw badRequest(`${at} must be an object`)
  const { table, kind, id, item, version } = value
  if (typeof table !== 'string' || !tables.has(table)) {
    throw badRequest(`${at}.table: table ${JSON.stringify(typeof table === 'string' ? table.slice(0, 100) : table ?? null)} does not exist`)
  }
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw badRequest(`${at}.kind must be insert, update or delete`)
  const problem = itemIdProblem(id)
  if (problem) throw badRequest(`${at}.id: ${problem}`)
  const operation: BatchOperation = { table, kind: kind as BatchOperation['kind'], id: id as string }
  if (kind !== 'delete') {
    // A delete's item (a client's snapshot) is ignored, as a DELETE body is.
    if (!isObject(item)) throw badRequest(`${at}.item must be an object (the ${kind} body)`)
    operation.item = item
  }
  if (version !== undefined && version !== null) {
    if (typeof version !== 'string' || !version) throw badRequest(`${at}.version must be a non-empty string`)
    operation.version = version
  }
  return operation
}

/**
 * The operations of a batch push body `{ "operations": BatchOperation[] }`, checked as an envelope: each one an
 * object naming a declared table, a kind (insert, update, delete), a valid id, an object `item` for insert and
 * update, a string `version` when present; at most `max` of them. Anything else is a 400 naming the first problem
 * (the batch is then not run at all). What the items hold is checked per operation, as single requests check
 * their bodies.
 */
export function readBatch(body: Record<string, unknown>, tables: ReadonlyMap<string, TableSpec>, max: number): BatchOperation[] {
  const operations = body.operations
  if (!Array.isArray(operations)) throw badRequest('A batch body must be an object with an "operations" array')
  if (operations.length > max) throw badRequest(`A batch may hold at most ${max} operations; this one has ${operations.length}`)
  return operations.map((operation: unknown, index) => readOperation(operation, index, tables))
}
