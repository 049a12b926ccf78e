import { describe, expect, it } from 'vitest'
import { backendUrl, webLock } from '../../../src/runtime/browser/browser-context'

describe('backendUrl', () => {
  it('keeps an absolute URL', () => {
    expect(backendUrl('https://sync.example.com/tables')).toBe('https://sync.example.com/tables')
    expect(backendUrl('http://127.0.0.1:3000/tables', '/app/')).toBe('http://127.0.0.1:3000/tables')
  })
  it('puts a path of this app under its base URL', () => {
    expect(backendUrl('/tables')).toBe('/tables')
    expect(backendUrl('/tables', '/')).toBe('/tables')
    expect(backendUrl('/tables', '/app/')).toBe('/app/tables')
    expect(backendUrl('api/tables', '/app')).toBe('/app/api/tables')
  })
})

describe('webLock', () => {
  it('is undefined where the runtime has no Web Locks (each context then runs its calls directly)', () => {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks
    if (locks) expect(webLock('offline-sync:x')).toBeTypeOf('function')
    else expect(webLock('offline-sync:x')).toBeUndefined()
  })
})
