/**
 * This frame's own copy of plain data read from the app's frame: objects of the panel's realm, detached from the
 * app (no shared references, no proxies). Falls back to JSON when the data is not structured-cloneable (a Vue proxy).
 */
export function copyPlain<T>(value: T): T {
  try {
    return structuredClone(value)
  }
  catch {
    return JSON.parse(JSON.stringify(value)) as T
  }
}
