import type { H3Event } from 'h3'
import type { ProtocolVersion } from '../core/protocol/system'
import { SyncHttpError } from './errors'
import type { TableSpec } from './table-spec'
import type { SyncAccess, SyncAuthorizeContext, SyncFilterContext, SyncHookCaller, SyncOperation, SyncRowFilter, SyncUser } from './types'

/** Who is asking and which rows they may see: the result of the authenticate, authorize and filter hooks. */
export interface RequestScope {
  user: SyncUser | null
  /** Conditions confining the caller's rows (owner column, `offline-sync:filter` hooks). */
  view: SyncRowFilter[]
}

const UNAUTHENTICATED = 'You must be logged in to use this application'

/** Runs `offline-sync:authenticate`: the caller, or `null`. Throws when the hook throws or sets a malformed user. */
export async function authenticate(hooks: SyncHookCaller | undefined, event: H3Event, spec: TableSpec, protocol: ProtocolVersion): Promise<SyncUser | null> {
  const authentication = { event, table: spec.name, protocol, user: null as SyncUser | null }
  await hooks?.callHook('offline-sync:authenticate', authentication)
  const user = authentication.user
  if (user !== null && (typeof user !== 'object' || typeof user.id !== 'string' || !user.id)) {
    throw new TypeError('offline-sync:authenticate must set user to null or an object with a non-empty string id')
  }
  return user
}

/**
 * Runs `offline-sync:authenticate` (sets the user; skipped when `known` gives the user this request already
 * authenticated as), `offline-sync:authorize` (decides access: owned tables default to `authenticated`,
 * others to `anonymous`) and `offline-sync:filter`, then adds the owner filter.
 * Throws 401 without a required user, 403 when access is denied.
 */
export async function resolveScope(hooks: SyncHookCaller | undefined, event: H3Event, spec: TableSpec, protocol: ProtocolVersion, operation: SyncOperation, known?: SyncUser | null): Promise<RequestScope> {
  const base = { event, table: spec.name, protocol }
  const user = known === undefined ? await authenticate(hooks, event, spec, protocol) : known

  const authorization: SyncAuthorizeContext = { ...base, operation, user, access: spec.owner ? 'authenticated' : 'anonymous' }
  await hooks?.callHook('offline-sync:authorize', authorization)
  const access: SyncAccess = authorization.access
  if (access === 'denied') throw new SyncHttpError(403, `You are not allowed to ${operation} ${spec.name}`)
  if ((access === 'authenticated' || spec.owner) && !user) throw new SyncHttpError(401, UNAUTHENTICATED)

  const filtering: SyncFilterContext = { ...base, operation, user, filters: [] }
  await hooks?.callHook('offline-sync:filter', filtering)
  const view = [...filtering.filters]
  if (spec.owner && user) {
    const owner = spec.owner
    view.push(eb => eb(owner, '=', user.id))
  }
  return { user, view }
}
