/**
 * An incremental pull exactly as our client runs it: `(updatedAt ge W)`, `$orderby=updatedAt,id`,
 * `__includeDeleted=true`, `$top` = page size, `$skip` only inside a run of equal `updatedAt`,
 * W advanced to the last row's `updatedAt`, done on a short or empty page. Only W survives from one pull
 * to the next (`$skip` starts at 0 again). Rows are kept by id (the last one seen wins).
 */

export interface PulledRow {
  id: string
  updatedAt: string
  version: string
  deleted: boolean
  [column: string]: unknown
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export class IncrementalReader {
  readonly rows = new Map<string, PulledRow>()
  watermark = '1970-01-01T00:00:00.000Z'
  skip = 0
  requests = 0
  /** Requests that carried `$skip` (paging inside a run of equal `updatedAt`). */
  skipRequests = 0
  rowsReceived = 0

  constructor(private readonly table: string, private readonly pageSize = 50) {}

  /** The query string of the next page. */
  nextQuery(): string {
    const params = new URLSearchParams({
      $filter: `(updatedAt ge datetimeoffset'${this.watermark}')`,
      $orderby: 'updatedAt,id',
      $top: String(this.pageSize),
      __includeDeleted: 'true',
    })
    if (this.skip > 0) params.set('$skip', String(this.skip))
    return params.toString()
  }

  /** Pulls pages from `baseUrl` until a page comes back short or empty; returns the number of rows received. */
  async pull(baseUrl: string): Promise<number> {
    let received = 0
    this.skip = 0
    for (;;) {
      const url = `${baseUrl}/tables/${this.table}?${this.nextQuery()}`
      if (this.skip > 0) this.skipRequests++
      const response = await fetch(url, { headers: { 'ZUMO-API-VERSION': '2.0.0' } })
      const text = await response.text()
      if (response.status !== 200) throw new Error(`GET ${url} → ${response.status} ${text}`)
      const page = JSON.parse(text) as PulledRow[]
      if (!Array.isArray(page)) throw new Error(`GET ${url} → not an array: ${text.slice(0, 200)}`)
      this.requests++
      received += page.length
      this.rowsReceived += page.length
      if (page.length === 0) return received
      let previous = this.watermark
      for (const row of page) {
        if (typeof row.updatedAt !== 'string' || !TIMESTAMP.test(row.updatedAt)) throw new Error(`GET ${url}: bad updatedAt in ${JSON.stringify(row)}`)
        if (typeof row.deleted !== 'boolean') throw new Error(`GET ${url}: no deleted flag in ${JSON.stringify(row)}`)
        if (row.updatedAt < previous) throw new Error(`GET ${url}: page not ordered by updatedAt at ${JSON.stringify(row)}`)
        previous = row.updatedAt
        this.rows.set(row.id, row)
      }
      const last = page[page.length - 1]!.updatedAt
      if (last === this.watermark) {
        this.skip += page.length
      }
      else {
        this.watermark = last
        this.skip = 0
      }
      if (page.length < this.pageSize) return received
    }
  }
}
