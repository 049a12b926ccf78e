import { describe, expect, it } from 'vitest'
import { embeddedDataDir } from '../../../src/data-dir'

describe('embeddedDataDir', () => {
  it('puts a relative folder under the app root in development', () => {
    expect(embeddedDataDir('.data/offline-sync', { dev: true, rootDir: '/apps/todo' })).toBe('/apps/todo/.data/offline-sync')
  })
  it('keeps a relative folder relative in a build (resolved against the server working directory)', () => {
    expect(embeddedDataDir('.data/offline-sync', { dev: false, rootDir: '/apps/todo' })).toBe('.data/offline-sync')
  })
  it('keeps absolute folders and memory:// as they are', () => {
    expect(embeddedDataDir('/var/lib/sync', { dev: true, rootDir: '/apps/todo' })).toBe('/var/lib/sync')
    expect(embeddedDataDir('memory://', { dev: true, rootDir: '/apps/todo' })).toBe('memory://')
  })
})
