import { createRequire } from 'node:module'

/**
 * The stock Azure Mobile Apps JS client (`azure-mobile-apps-client` 2.0.1) in Node: it talks through
 * `XMLHttpRequest`, which xhr2 provides. The client picks its transport by checking `'withCredentials' in xhr`.
 */

export type StockRow = Record<string, unknown> & { id: string }
export type StockRows = StockRow[] & { totalCount?: number }

/** What the client hands to a service filter, and what comes back (an xhr2 request object). */
export interface StockRequest { type: string, url: string, headers: Record<string, string>, data: string | null }
export interface StockResponse { status: number, responseText: string, getResponseHeader: (name: string) => string | null }
/** A rejected table call: `request` is the failed response, `serverInstance` the body of a 412. */
export interface StockError extends Error { request?: StockResponse, serverInstance?: StockRow }

export interface StockQuery {
  where: (filter: object | ((this: Record<string, unknown>, ...args: never[]) => boolean), ...args: unknown[]) => StockQuery
  orderBy: (...columns: string[]) => StockQuery
  orderByDescending: (...columns: string[]) => StockQuery
  skip: (count: number) => StockQuery
  take: (count: number) => StockQuery
  includeTotalCount: () => StockQuery
  includeDeleted: () => StockQuery
  getComponents: () => { table: string, skip?: number }
  toOData: () => string
  read: (parameters?: Record<string, unknown>) => Promise<StockRows>
}

export interface StockTable {
  insert: (item: Record<string, unknown>) => Promise<StockRow>
  update: (item: StockRow) => Promise<StockRow>
  del: (item: StockRow) => Promise<void>
  lookup: (id: string) => Promise<StockRow>
  read: (query?: StockQuery | string | Record<string, unknown>, parameters?: Record<string, unknown>) => Promise<StockRows>
  where: StockQuery['where']
  orderBy: StockQuery['orderBy']
}

type Next = (request: StockRequest, callback: (error: unknown, response: StockResponse | null) => void) => void
export interface StockClient {
  getTable: (name: string) => StockTable
  withFilter: (filter: (request: StockRequest, next: Next, callback: (error: unknown, response: StockResponse | null) => void) => void) => StockClient
}

interface StockModule {
  MobileServiceClient: new (url: string) => StockClient
  Query: new (table: string) => StockQuery
}

/** One request the stock client sent and what it got back, for failure messages and reports. */
export interface Exchange {
  method: string
  url: string
  headers: Record<string, string>
  body: string | null
  status?: number
  response?: string
}

const require = createRequire(import.meta.url)

function installXhr(): void {
  const XMLHttpRequest = require('xhr2') as { prototype: object }
  if (!('withCredentials' in XMLHttpRequest.prototype)) {
    Object.defineProperty(XMLHttpRequest.prototype, 'withCredentials', { value: false, writable: true, configurable: true })
  }
  ;(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XMLHttpRequest
}

export function loadStockClient(): StockModule {
  installXhr()
  return require('azure-mobile-apps-client') as StockModule
}

/** A stock client for `baseUrl` whose every request/response pair is appended to `log`. */
export function createStockClient(baseUrl: string, log: Exchange[]): StockClient {
  const { MobileServiceClient } = loadStockClient()
  return new MobileServiceClient(baseUrl).withFilter((request, next, callback) => {
    const exchange: Exchange = { method: request.type, url: request.url, headers: { ...request.headers }, body: request.data }
    log.push(exchange)
    next(request, (error, response) => {
      exchange.status = response?.status
      exchange.response = response?.responseText
      callback(error, response)
    })
  })
}

/** `METHOD url body → status response` of the last exchanges, to put into assertion messages. */
export function describeExchanges(log: Exchange[], last = 3): string {
  return log.slice(-last).map(e => `${e.method} ${e.url} ${e.body ?? ''} → ${e.status} ${e.response ?? ''}`).join('\n')
}
