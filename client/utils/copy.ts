/**
 * This frame's own copy of plain data read from the app's frame: objects of the panel's realm, detached from the
 * app (no shared references, no proxies). JSON, since the contract is plain data: unlike structuredClone it also
 * copies a Vue proxy, and across frames it measured faster (10,000 operations).
 */
export function copyPlain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
