import { describe, expect, it } from 'vitest'
import { backendUrl } from '../../../src/runtime/browser/browser-context'

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
