/**
 * The origin's storage as `navigator.storage` (the Storage API) reports it. Plain data, so the store can hold it.
 * A field is `undefined` where the browser does not tell (no Storage API: an insecure context, an old browser, SSR).
 */
export interface StorageInfo {
  /** Bytes the origin uses, all its storage together (IndexedDB, caches…), from `navigator.storage.estimate()`. */
  usage?: number
  /** Bytes the origin may use before writes fail with `QuotaExceededError` (a `StorageError` with `quotaExceeded`). */
  quota?: number
  /** Whether the browser keeps the data under storage pressure instead of evicting it (`navigator.storage.persisted()`). */
  persisted?: boolean
}

/** The parts of `StorageManager` used here; each may be missing. */
export type StorageApi = Partial<Pick<StorageManager, 'estimate' | 'persist' | 'persisted'>>

/** `navigator.storage`, or `undefined` where there is none. */
export function browserStorage(): StorageApi | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.storage ?? undefined
}

const requests = new WeakMap<StorageApi, Promise<boolean | undefined>>()

/** `fn()`'s value, or `undefined` when it is missing, throws or rejects. */
async function attempt<T>(fn: (() => Promise<T>) | undefined): Promise<T | undefined> {
  try {
    return fn ? await fn() : undefined
  }
  catch {
    return undefined
  }
}

/**
 * Asks the browser to keep this origin's data (`persist()`), once per page: later calls return the first answer.
 * Browsers decide on their own (Chromium grants or refuses silently, by site engagement or installation; Firefox
 * may ask the user). Resolves with the answer, `undefined` where the API is missing or fails; never rejects.
 */
export function requestPersistentStorage(storage: StorageApi | undefined = browserStorage()): Promise<boolean | undefined> {
  if (!storage) return Promise.resolve(undefined)
  let request = requests.get(storage)
  if (!request) {
    request = attempt(storage.persist && (() => storage.persist!()))
    requests.set(storage, request)
  }
  return request
}

/**
 * Reads usage, quota and the persisted flag; never rejects (a missing or failing call leaves its fields
 * `undefined`). A persistence request still running is awaited first, so `persisted` tells its outcome.
 */
export async function readStorageInfo(storage: StorageApi | undefined = browserStorage()): Promise<StorageInfo> {
  if (!storage) return {}
  await requests.get(storage)
  const [estimate, persisted] = await Promise.all([
    attempt(storage.estimate && (() => storage.estimate!())),
    attempt(storage.persisted && (() => storage.persisted!())),
  ])
  const info: StorageInfo = {}
  if (typeof estimate?.usage === 'number') info.usage = estimate.usage
  if (typeof estimate?.quota === 'number') info.quota = estimate.quota
  if (typeof persisted === 'boolean') info.persisted = persisted
  return info
}
