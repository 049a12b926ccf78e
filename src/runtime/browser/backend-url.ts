/** Whether `backend` is an absolute URL (`https://…`, `http://…`) rather than a path of this app. */
export function isAbsoluteUrl(backend: string): boolean {
  return /^[a-z][a-z\d+.-]*:\/\//i.test(backend)
}

/**
 * The URL of the table endpoints: an absolute `backend` as it is; a path is one of this app, under its
 * `app.baseURL` (fetch resolves it against the page's origin).
 */
export function backendUrl(backend: string, appBaseURL = '/'): string {
  if (isAbsoluteUrl(backend)) return backend
  const base = appBaseURL.endsWith('/') ? appBaseURL : `${appBaseURL}/`
  return base + backend.replace(/^\/+/, '')
}
