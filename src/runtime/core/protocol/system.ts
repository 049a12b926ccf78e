/**
 * System columns of the Azure Mobile Apps table protocol, shared by client and server.
 */

export interface SystemColumns {
  /** String primary key, at most 255 characters; client-generated GUIDs are welcome. */
  id: string
  /** Set by the server on insert (protocol v2 only). `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  createdAt?: string
  /** Set by the server on every write, in commit order. `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  updatedAt?: string
  /** Opaque base64 string, new on every write; sent back as `If-Match`. */
  version?: string
  /** Soft-delete marker. */
  deleted?: boolean
}

export const SYSTEM_COLUMNS = ['id', 'createdAt', 'updatedAt', 'version', 'deleted'] as const
export type SystemColumnName = typeof SYSTEM_COLUMNS[number]

/** The protocol versions we speak, as sent in `ZUMO-API-VERSION`. */
export type ProtocolVersion = '2.0.0' | '3.0.0'

export const MAX_ID_LENGTH = 255

/**
 * Why an id is not acceptable, or `undefined` when it is. Rules of the stock clients: 1–255 characters,
 * not only white space, not `.` or `..`, none of `+ " / ? \` \\` and no control characters.
 */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'an id must be a string'
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return `an id must have 1 to ${MAX_ID_LENGTH} characters`
  if (id.trim().length === 0) return 'an id may not be only white space'
  if (id === '.' || id === '..') return 'an id may not be "." or ".."'
  // eslint-disable-next-line no-control-regex
  if (/[+"/?`\\\u0000-\u001F\u007F-\u009F]/.test(id)) return 'an id may not contain + " / ? ` \\ or control characters'
  return undefined
}

/** Serialise a timestamp as the protocol wants it: exactly three decimals and `Z`. A `Date` is read as it is, not copied. */
export function formatTimestamp(value: Date | number): string {
  return (value instanceof Date ? value : new Date(value)).toISOString()
}

/** `"<version>"` with inner quotes escaped, as the stock servers and clients write an ETag. */
export function etagFromVersion(version: string): string {
  return `"${version.replace(/"/g, '\\"')}"`
}

/** The version inside an ETag (strong or weak); `*` stays `*`. */
export function versionFromEtag(etag: string): string {
  const value = etag.trim().replace(/^W\//, '')
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\"/g, '"')
  }
  return value
}
