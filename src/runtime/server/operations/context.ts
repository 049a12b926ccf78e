import type { H3Event } from 'h3'
import { etagFromVersion, type ProtocolVersion } from '../../core/protocol/system'
import type { RequestScope } from '../access'
import { toItem } from '../protocol/to-item'
import type { Repository } from '../repository'
import type { IfMatch } from '../request/if-match'
import type { TableSpec } from '../table-spec'
import type { SqlRow, SyncHookCaller, SyncOperation } from '../types'

export interface ServiceSettings {
  pageSize: number
  maxTop: number
  maxBodySize: number
  /** Operations per batch push; 0: no batch endpoint. */
  maxBatchSize: number
  maxBatchBodySize: number
}

/**
 * What an item operation reads of its request: the HTTP request itself (`request/operation-input.ts`), or one
 * operation of a batch push (`operations/batch.ts`), which has no URL, headers or query of its own.
 */
export interface OperationInput {
  /** The body as a JSON object (400/413/415 like `readJsonObject`). */
  body: () => Promise<Record<string, unknown>>
  /** The `If-Match` condition. */
  ifMatch: () => IfMatch
  /** Whether soft-deleted rows may be targeted (`__includeDeleted=true`; reading it checks the other query options). */
  includeDeleted: () => boolean
  /** The URL of the item with this id (v3 insert's `Location`); absent in a batch. */
  itemUrl?: (id: string) => string
}

/** Everything an operation needs about its request. */
export interface OperationContext {
  event: H3Event
  spec: TableSpec
  protocol: ProtocolVersion
  /** The id from the URL (validated), for item operations. */
  id: string
  scope: RequestScope
  /**
   * The caller's scope for another operation on this table (an update that deletes also needs the delete's
   * access and filters). Absent: `resolveScope` runs the hooks; a batch passes the scopes it resolved up front.
   */
  scopeFor?: (operation: SyncOperation) => Promise<RequestScope>
  repo: Repository
  hooks?: SyncHookCaller
  settings: ServiceSettings
  input: OperationInput
}

/** What the service sends back. */
export interface SyncResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** A single-item response: the item as body, its version as `ETag`, `updatedAt` as `Last-Modified`. */
export function itemResponse(ctx: Pick<OperationContext, 'spec' | 'protocol'>, status: number, row: SqlRow, select?: string[]): SyncResponse {
  const headers: Record<string, string> = { ETag: etagFromVersion(String(row.version)) }
  if (row.updatedAt instanceof Date) headers['Last-Modified'] = row.updatedAt.toUTCString()
  return { status, body: toItem(ctx.spec, row, ctx.protocol, select), headers }
}
