import { describe, expect, it } from 'vitest'
import { backendWarning, isOwnServer, resolveServerOptions, SERVER_DEFAULTS } from '../../../src/server-options'
import { resolveModuleOptions } from '../../../src/resolve-options'
import type { ServerOptions } from '../../../src/options'

/** The message of what `fn` throws ('' when it does not). */
function thrown(fn: () => unknown): string {
  try {
    fn()
    return ''
  }
  catch (error) {
    return (error as Error).message
  }
}

describe('resolveServerOptions', () => {
  it('fills in the defaults', () => {
    const defaults = {
      enabled: true,
      path: '/tables',
      database: { url: '', dataDir: '.data/offline-sync' },
      pageSize: 50,
      maxTop: 1000,
      maxBodySize: 1048576,
      maxBatchSize: 500,
      maxBatchBodySize: 8388608,
    }
    expect(resolveServerOptions(undefined)).toEqual(defaults)
    expect(resolveServerOptions({})).toEqual(defaults)
    expect(SERVER_DEFAULTS).toEqual(defaults)
  })

  it('keeps what the app sets; maxBatchSize 0 turns batches off', () => {
    const set: ServerOptions = {
      enabled: false,
      path: '/api/sync',
      database: { url: 'postgres://db/app', dataDir: 'memory://' },
      pageSize: 10,
      maxTop: 10,
      maxBodySize: 1,
      maxBatchSize: 0,
      maxBatchBodySize: 1,
    }
    expect(resolveServerOptions(set)).toEqual(set)
    expect(resolveServerOptions({ maxBatchSize: 1, maxBodySize: 100, maxBatchBodySize: 100 })).toMatchObject({ maxBatchSize: 1, maxBatchBodySize: 100 })
  })

  it('refuses bad values with one error listing each', () => {
    const bad = {
      enabled: 'yes',
      path: 'tables/',
      database: { url: 42, dataDir: ' ' },
      pageSize: 0,
      maxTop: 1.5,
      maxBodySize: Number.POSITIVE_INFINITY,
      maxBatchSize: -1,
      maxBatchBodySize: '8mb',
    } as unknown as ServerOptions
    expect(thrown(() => resolveServerOptions(bad)).split('\n')).toEqual([
      '[nuxt-offline-sync] invalid server option:',
      '- server.enabled must be true or false',
      `- server.path must be a route prefix such as '/tables' (starting with "/", not ending with one), got "tables/"`,
      '- server.database.url must be a connection string (postgres://…)',
      '- server.database.dataDir must be a folder (or memory://)',
      '- server.maxTop must be a whole number ≥ 1, got 1.5',
      '- server.pageSize must be a whole number ≥ 1, got 0',
      '- server.maxBodySize must be a whole number of bytes ≥ 1, got Infinity',
      '- server.maxBatchSize must be a whole number ≥ 0 (0 turns batches off), got -1',
      '- server.maxBatchBodySize must be a whole number of bytes ≥ 1, got 8mb',
    ])
  })

  it('refuses sizes that contradict each other', () => {
    expect(thrown(() => resolveServerOptions({ pageSize: 101, maxTop: 100 })))
      .toBe('[nuxt-offline-sync] invalid server option:\n- server.pageSize (101) may not be larger than server.maxTop (100)')
    expect(thrown(() => resolveServerOptions({ maxBodySize: 2048, maxBatchBodySize: 1024 })))
      .toBe('[nuxt-offline-sync] invalid server option:\n- server.maxBatchBodySize (1024) may not be smaller than server.maxBodySize (2048): a batch must hold any single item')
    // without batches the batch body size does not matter
    expect(thrown(() => resolveServerOptions({ maxBodySize: 2048, maxBatchBodySize: 1024, maxBatchSize: 0 }))).toBe('')
  })

  it('refuses a path that would make broken routes', () => {
    for (const path of ['/', '', '/tables/', 'tables', '/ta bles', '/tables?x=1']) {
      expect(thrown(() => resolveServerOptions({ path }))).toContain('server.path must be a route prefix')
    }
    for (const path of ['/tables', '/api/v1/tables', '/t']) expect(resolveServerOptions({ path }).path).toBe(path)
  })
})

describe('isOwnServer and backendWarning', () => {
  const server = resolveServerOptions({})

  it('a backend path equal to server.path is the module\'s server (leading and trailing "/" aside)', () => {
    for (const backend of ['/tables', 'tables', '/tables/']) {
      expect(isOwnServer(backend, server)).toBe(true)
      expect(backendWarning(backend, server)).toBeUndefined()
    }
  })

  it('an absolute URL is another server: no bound, no warning', () => {
    expect(isOwnServer('https://sync.example.com/tables', server)).toBe(false)
    expect(backendWarning('https://sync.example.com/tables', server)).toBeUndefined()
  })

  it('a disabled server is never the backend and never warned about', () => {
    const off = resolveServerOptions({ enabled: false })
    expect(isOwnServer('/tables', off)).toBe(false)
    expect(backendWarning('/api/tables', off)).toBeUndefined()
  })

  it('warns about a path of this app that the enabled server does not answer', () => {
    expect(isOwnServer('/api/tables', server)).toBe(false)
    expect(backendWarning('/api/tables', server)).toBe('[nuxt-offline-sync] backend "/api/tables" is a path of this app, but the module\'s '
      + 'server answers at server.path "/tables": the client will not reach it unless something else serves "/api/tables". '
      + 'Set backend to "/tables", or to the absolute URL of another server.')
  })
})

describe('resolveModuleOptions', () => {
  it('bounds the client\'s page size by the server\'s maxTop when the backend is the module\'s server', () => {
    expect(resolveModuleOptions({ backend: '/tables', server: { maxTop: 100, pageSize: 50 } }).sync.pageSize).toBe(100)
    expect(resolveModuleOptions({ backend: '/tables' }).sync.pageSize).toBe(1000)
    expect(thrown(() => resolveModuleOptions({ backend: '/tables', sync: { pageSize: 1000 }, server: { maxTop: 500 } })))
      .toContain('sync.pageSize (1000) is larger than server.maxTop (500)')
  })

  it('leaves the page size to the pull for another backend, or when the server is off', () => {
    expect(resolveModuleOptions({ backend: 'https://sync.example.com/tables', server: { maxTop: 100, pageSize: 50 } }).sync.pageSize).toBeUndefined()
    expect(resolveModuleOptions({ backend: '/tables', sync: { pageSize: 5000 }, server: { enabled: false, maxTop: 100, pageSize: 50 } }).sync.pageSize).toBe(5000)
  })

  it('returns the backend warning and the resolved server', () => {
    const resolved = resolveModuleOptions({ backend: '/api/tables', server: { path: '/tables' } })
    expect(resolved.warnings).toEqual([expect.stringContaining('backend "/api/tables" is a path of this app')])
    expect(resolved.server).toMatchObject({ enabled: true, path: '/tables', maxTop: 1000 })
    expect(resolved.sync.pageSize).toBeUndefined()
    expect(resolveModuleOptions({ backend: '/tables' }).warnings).toEqual([])
  })
})
