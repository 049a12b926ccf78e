import { describe, expect, it } from 'vitest'
import { assertQueries, resolveSyncOptions } from '../../../src/sync-options'
import { checkPullQuery } from '../../../src/runtime/core/sync/pull-query'
import type { TablesDefinition } from '../../../src/runtime/core/schema'
import type { QueryOption, SyncOptions } from '../../../src/options'

const tables: TablesDefinition = {
  todos: { columns: { text: 'string', done: 'boolean' } },
  notes: { columns: { body: 'string' } },
}

describe('assertQueries', () => {
  it('accepts queries on declared tables, with or without a filter', () => {
    expect(() => assertQueries({ open: { table: 'todos', filter: 'done eq false' }, notes: { table: 'notes' } }, tables)).not.toThrow()
    expect(() => assertQueries(undefined, tables)).not.toThrow()
    expect(() => assertQueries({}, {})).not.toThrow()
  })

  it('names the query and the undeclared table, and lists the declared ones', () => {
    expect(() => assertQueries({ mine: { table: 'todo' } }, tables))
      .toThrow('[nuxt-offline-sync] invalid queries option:\n- query "mine": table "todo" is not declared in offlineSync.tables (declared: todos, notes)')
    expect(() => assertQueries({ mine: { table: 'todos' } }, {})).toThrow('table "todos" is not declared in offlineSync.tables (none is declared)')
  })

  it('lists every problem in one error', () => {
    const queries = {
      'a/b': { table: 'todos' },
      'noTable': {} as QueryOption,
      'badFilter': { table: 'todos', filter: 42 as unknown as string },
      'paging': { table: 'todos', filter: 'done eq false&$top=10' },
      'ordered': { table: 'notes', filter: '$orderby=body' },
    }
    let message = ''
    try {
      assertQueries(queries, tables)
    }
    catch (error) {
      message = (error as Error).message
    }
    expect(message.split('\n')).toEqual([
      '[nuxt-offline-sync] invalid queries option:',
      '- query name "a/b" may not be blank or contain "/"',
      '- query "noTable" needs a "table"',
      '- query "badFilter": the filter must be an OData $filter string',
      '- query "paging": a pull filter is a $filter expression only (the pull sets $orderby, $top and the paging itself), found "$top=10"',
      '- query "ordered": a pull filter is a $filter expression only (the pull sets $orderby, $top and the paging itself), found "$orderby=bod"',
    ])
  })

  it('refuses a query option that is not introduced by "&" (the pull would refuse it at run time)', () => {
    expect(() => assertQueries({ open: { table: 'todos', filter: 'done eq false $top=5' } }, tables))
      .toThrow('- query "open": a pull filter is a $filter expression only (the pull sets $orderby, $top and the paging itself), found "$top=5"')
  })

  it('refuses at build time exactly the filters the pull refuses at run time', () => {
    const filters = [
      'done eq false', `text eq 'costs $5'`, 'done eq false $top=5', 'done eq false&$skip=1', '$select=text',
      `text eq 'it''s' and $orderby=text`, '  ', 'substringof(\'$\', text)', 'text eq $it',
    ]
    for (const filter of filters) {
      let runTime = true
      try {
        checkPullQuery('todos', { filter })
      }
      catch {
        runTime = false
      }
      const buildTime = (() => {
        try {
          assertQueries({ q: { table: 'todos', filter } }, tables)
          return true
        }
        catch {
          return false
        }
      })()
      expect([filter, buildTime]).toEqual([filter, runTime])
    }
  })

  it('says to drop a "$filter=" prefix', () => {
    expect(() => assertQueries({ open: { table: 'todos', filter: '$filter=done eq false' } }, tables))
      .toThrow('- query "open": a pull filter is a $filter expression only (the pull sets $orderby, $top and the paging itself), found "$filter=done"; write the expression alone, without "$filter="')
  })

  it('does not mistake a string literal for a query option', () => {
    expect(() => assertQueries({ q: { table: 'todos', filter: `text eq 'pay $top=10 dollars'` } }, tables)).not.toThrow()
  })
})

describe('resolveSyncOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveSyncOptions(undefined)).toEqual({ auto: true, interval: 0, apiVersion: '2.0.0', retry: {}, persistentStorage: false })
    expect(resolveSyncOptions({})).toEqual({ auto: true, interval: 0, apiVersion: '2.0.0', retry: {}, persistentStorage: false })
  })

  it('keeps what the app sets', () => {
    expect(resolveSyncOptions({ auto: false, interval: 60_000, pageSize: 200, apiVersion: '3.0.0', retry: { baseMs: 500, maxMs: 10_000 }, persistentStorage: true }))
      .toEqual({ auto: false, interval: 60_000, pageSize: 200, apiVersion: '3.0.0', retry: { baseMs: 500, maxMs: 10_000 }, persistentStorage: true })
    expect(resolveSyncOptions({ retry: false }).retry).toBe(false)
  })

  it('refuses bad values with one error listing each', () => {
    const bad = { auto: 'yes', interval: -1, pageSize: 1.5, apiVersion: '1.0.0', retry: { baseMs: 0, maxMs: Number.POSITIVE_INFINITY }, persistentStorage: 'yes' } as unknown as SyncOptions
    expect(() => resolveSyncOptions(bad)).toThrow([
      '[nuxt-offline-sync] invalid sync option:',
      '- sync.auto must be true or false',
      '- sync.persistentStorage must be true or false',
      '- sync.interval must be a number of milliseconds (0 turns it off)',
      '- sync.pageSize must be a positive whole number',
      `- sync.apiVersion must be '2.0.0' or '3.0.0'`,
      '- sync.retry.baseMs must be a positive number of milliseconds',
      '- sync.retry.maxMs must be a positive number of milliseconds',
    ].join('\n'))
    expect(() => resolveSyncOptions({ retry: { baseMs: 10_000, maxMs: 1000 } })).toThrow('sync.retry.baseMs may not be larger than sync.retry.maxMs')
    expect(() => resolveSyncOptions({ retry: 'often' as unknown as false })).toThrow('sync.retry must be { baseMs?, maxMs? } or false')
  })

  describe('with this module\'s server as the backend', () => {
    it('defaults the page size to the pull\'s 1000, or the server\'s smaller maxTop', () => {
      expect(resolveSyncOptions({}, { maxTop: 1000 }).pageSize).toBe(1000)
      expect(resolveSyncOptions({}, { maxTop: 200 }).pageSize).toBe(200)
      expect(resolveSyncOptions({}, { maxTop: 5000 }).pageSize).toBe(1000)
      expect(resolveSyncOptions({ pageSize: 300 }, { maxTop: 5000 }).pageSize).toBe(300)
      expect(resolveSyncOptions({ pageSize: 200 }, { maxTop: 200 }).pageSize).toBe(200)
    })

    it('refuses a page size above the server\'s maxTop, naming both options', () => {
      expect(() => resolveSyncOptions({ pageSize: 201 }, { maxTop: 200 })).toThrow([
        '[nuxt-offline-sync] invalid sync option:',
        '- sync.pageSize (201) is larger than server.maxTop (200): this module\'s server, the backend, answers a larger $top with a 400, so every pull would fail; lower sync.pageSize or raise server.maxTop',
      ].join('\n'))
      // another backend: its own limits, unknown here
      expect(resolveSyncOptions({ pageSize: 5000 }).pageSize).toBe(5000)
    })
  })
})
