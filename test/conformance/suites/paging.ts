import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { CLOCK_TABLE } from '../../../src/runtime/server/db/clock'
import { newId, TIMESTAMP, type Harness } from '../support/harness'

interface Row { id: string, n: number, text: string, updatedAt: string }

/**
 * Page sizes, `Link`/`nextLink`, and incremental pulls: across a run of equal `updatedAt` longer than a page
 * (imported data), and across a transaction longer than a page whose rows change between pages.
 */
export function pagingSuite(harness: () => Harness): void {
  const h = () => harness()

  /** Inserts rows through the database in ONE transaction (each row still gets its own stamp). */
  async function insertInOneTransaction(text: string, count: number): Promise<void> {
    await h().db.transaction().execute(async (trx) => {
      for (let n = 0; n < count; n++) {
        await trx.insertInto('pages').values({ id: `${text}-${String(n).padStart(4, '0')}`, n, text }).execute()
      }
    })
  }

  /**
   * Imports rows that all carry ONE `updatedAt`, as a data migration from a stock backend would: the stamping
   * trigger is bypassed on purpose (`session_replication_role = replica`), and the clock row is moved to the
   * imported stamp so that later writes stamp after it.
   */
  async function importWithOneTimestamp(text: string, from: number, count: number): Promise<void> {
    await h().db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx)
      const clock = await trx.selectFrom(CLOCK_TABLE).select('last').where('table', '=', 'pages').forUpdate().executeTakeFirstOrThrow()
      const stamp = new Date((clock.last as Date).getTime() + 1)
      await trx.insertInto('pages').values(Array.from({ length: count }, (_, i) => ({
        id: `${text}-${String(from + i).padStart(4, '0')}`,
        n: from + i,
        text,
        createdAt: stamp,
        updatedAt: stamp,
        version: randomBytes(16).toString('base64'),
        deleted: false,
      }))).execute()
      await trx.updateTable(CLOCK_TABLE).set({ last: stamp }).where('table', '=', 'pages').execute()
    })
  }

  /**
   * An incremental pull of the rows with this text as our client runs it: `(updatedAt ge W)`,
   * `$orderby=updatedAt,id`, pages of 50, `$skip` only within a run of equal `updatedAt`, done on a short page.
   * `beforePage(p)` runs before page p (p ≥ 1) is requested.
   */
  async function pull(text: string, beforePage?: (page: number) => Promise<void>): Promise<Row[]> {
    const pageSize = 50
    let watermark = '1970-01-01T00:00:00.000Z'
    let skip = 0
    const pulled: Row[] = []
    for (let page = 0; page < 20; page++) {
      if (page > 0) await beforePage?.(page)
      const filter = encodeURIComponent(`(text eq '${text}') and (updatedAt ge datetimeoffset'${watermark}')`)
      const reply = await h().request('GET', `/tables/pages?$filter=${filter}&$orderby=updatedAt,id&$top=${pageSize}&$skip=${skip}&__includeDeleted=true`)
      expect(reply.status).toBe(200)
      const rows = reply.json as Row[]
      pulled.push(...rows)
      if (rows.length === 0) break
      const last = rows.at(-1)!.updatedAt
      expect(last).toMatch(TIMESTAMP)
      if (last === watermark) {
        skip += rows.length
      }
      else {
        watermark = last
        skip = rows.filter(row => row.updatedAt === last).length
      }
      if (rows.length < pageSize) break
    }
    return pulled
  }

  async function insertOneByOne(text: string, from: number, count: number): Promise<void> {
    for (let n = from; n < from + count; n++) {
      const reply = await h().request('POST', '/tables/pages', { body: { id: `${text}-${String(n).padStart(4, '0')}`, n, text } })
      expect(reply.status).toBe(201)
    }
  }

  describe('paging', () => {
    it('v2 honours $top up to maxTop (pageSize applies only without $top); v3 pages hold 100; $top above 1000 is a 400', async () => {
      const text = newId('size')
      await insertInOneTransaction(text, 120)
      const filter = `$filter=text eq '${text}'`
      expect((await h().request('GET', `/tables/pages?${filter}`)).json).toHaveLength(50)
      expect((await h().request('GET', `/tables/pages?${filter}&$top=1000`)).json).toHaveLength(120)
      expect((await h().request('GET', `/tables/pages?${filter}`, { version: '3.0.0' })).json.items).toHaveLength(100)
      expect((await h().request('GET', `/tables/pages?${filter}&$top=1000`, { version: '3.0.0' })).json.items).toHaveLength(100)
      const tooMany = await h().request('GET', `/tables/pages?${filter}&$top=1001`)
      expect(tooMany.status).toBe(400)
      expect(tooMany.json.error).toMatch(/1000/)
    })

    it('v2: $top=200 with a page size of 50 answers 200 rows in one page and no Link; without $top the page is 50 rows and a Link', async () => {
      const text = newId('top')
      await insertInOneTransaction(text, 230)
      const filter = `$filter=${encodeURIComponent(`text eq '${text}'`)}&$orderby=n`
      const top = await h().request('GET', `/tables/pages?${filter}&$top=200`)
      expect(top.status).toBe(200)
      expect(top.json.map((row: Row) => row.n)).toEqual(Array.from({ length: 200 }, (_, n) => n))
      // the page holds what $top asked for: nothing remains within $top, so no Link
      expect(top.headers.get('link')).toBeNull()
      const rest = await h().request('GET', `/tables/pages?${filter}&$top=200&$skip=200`)
      expect(rest.json.map((row: Row) => row.n)).toEqual(Array.from({ length: 30 }, (_, n) => 200 + n))
      expect(rest.headers.get('link')).toBeNull()
      const small = await h().request('GET', `/tables/pages?${filter}&$top=30`)
      expect(small.json).toHaveLength(30)
      expect(small.headers.get('link')).toBeNull()
      const counted = await h().request('GET', `/tables/pages?${filter}&$top=200&$inlinecount=allpages`)
      expect(counted.json.count).toBe(230)
      expect(counted.json.results).toHaveLength(200)

      const plain = await h().request('GET', `/tables/pages?${filter}`)
      expect(plain.json.map((row: Row) => row.n)).toEqual(Array.from({ length: 50 }, (_, n) => n))
      expect(plain.headers.get('link')).toMatch(/%24skip=50; rel=next$/)
    })

    it('v2 sends Link (no angle brackets, `; rel=next`) while rows remain after a page cut by the page size, and following it pages through everything', async () => {
      const text = newId('link')
      await insertInOneTransaction(text, 120)
      let next: string | null = `/tables/pages?$filter=${encodeURIComponent(`text eq '${text}'`)}&$orderby=n`
      const seen: number[] = []
      const sizes: number[] = []
      const links: string[] = []
      while (next) {
        const reply = await h().request('GET', next.startsWith('http') ? next.slice(h().url.length) : next)
        expect(reply.status).toBe(200)
        seen.push(...reply.json.map((row: Row) => row.n))
        sizes.push(reply.json.length)
        const link = reply.headers.get('link')
        if (link) links.push(link)
        next = link ? link.replace(/; rel=next$/, '') : null
      }
      expect(seen).toEqual(Array.from({ length: 120 }, (_, n) => n))
      expect(sizes).toEqual([50, 50, 20])
      expect(links).toHaveLength(2)
      expect(links[0]).toMatch(new RegExp(`^${h().url}/tables/pages\\?.*%24skip=50; rel=next$`))
      expect(links[1]).toMatch(/%24skip=100; rel=next$/)
      expect(links.join()).not.toContain('%24top')
      expect(links[0]).not.toContain('<')
    })

    it('v3 keeps the Datasync toolkit\'s paging: $top=150 gives pages of 100 and 50, the nextLink carrying the $top that remains', async () => {
      const text = newId('v3top')
      await insertInOneTransaction(text, 230)
      const first = await h().request('GET', `/tables/pages?$filter=${encodeURIComponent(`text eq '${text}'`)}&$orderby=n&$top=150`, { version: '3.0.0' })
      expect(first.json.items.map((row: Row) => row.n)).toEqual(Array.from({ length: 100 }, (_, n) => n))
      expect(first.json.nextLink).toMatch(/^\$filter=.*&\$orderby=n&\$top=50&\$skip=100$/)
      const second = await h().request('GET', `/tables/pages?${first.json.nextLink}`, { version: '3.0.0' })
      expect(second.json.items.map((row: Row) => row.n)).toEqual(Array.from({ length: 50 }, (_, n) => 100 + n))
      expect(second.json).not.toHaveProperty('nextLink')
    })

    it('v3 sends nextLink as a query string (Datasync form) until the last page', async () => {
      const text = newId('next')
      await insertInOneTransaction(text, 230)
      let query: string | undefined = `$filter=${encodeURIComponent(`text eq '${text}'`)}&$count=true`
      const seen: number[] = []
      const nextLinks: string[] = []
      while (query) {
        const reply = await h().request('GET', `/tables/pages?${query}`, { version: '3.0.0' })
        expect(reply.json.count).toBe(230)
        seen.push(...reply.json.items.map((row: Row) => row.n))
        query = reply.json.nextLink
        if (query) nextLinks.push(query)
      }
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 230 }, (_, n) => n))
      expect(nextLinks).toHaveLength(2)
      expect(nextLinks[0]).toMatch(/^\$filter=.*&\$count=true&\$skip=100$/)
    })

    it('paging across a run of equal updatedAt larger than a page (imported rows) misses and repeats nothing', async () => {
      const text = newId('pull')
      await insertOneByOne(text, 0, 5)
      await importWithOneTimestamp(text, 100, 120)
      await insertOneByOne(text, 300, 5)

      const stamps = await h().db.selectFrom('pages').select('updatedAt').where('text', '=', text).execute()
      const counts = new Map<number, number>()
      for (const { updatedAt } of stamps) counts.set((updatedAt as Date).getTime(), (counts.get((updatedAt as Date).getTime()) ?? 0) + 1)
      expect(Math.max(...counts.values())).toBe(120)

      const pulled = await pull(text)
      const ids = pulled.map(row => row.id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.length).toBe(130)
      const order = pulled.map(row => `${row.updatedAt} ${row.id}`)
      expect(order).toEqual([...order].sort())
    })

    it('an incremental pull loses no row of a transaction larger than a page when one of its rows changes between pages', async () => {
      const text = newId('moved')
      await insertInOneTransaction(text, 60)
      const moved = `${text}-0010`
      const pulled = await pull(text, async (page) => {
        if (page !== 1) return
        // Updating a row of the first page moves it to the end (a new updatedAt) while the reader is between pages.
        const reply = await h().request('PATCH', `/tables/pages/${moved}`, { body: { n: 1000 } })
        expect(reply.status).toBe(200)
      })
      const seen = new Map(pulled.map(row => [row.id, row]))
      expect([...seen.keys()].sort()).toEqual(Array.from({ length: 60 }, (_, n) => `${text}-${String(n).padStart(4, '0')}`))
      expect(seen.get(moved)!.n).toBe(1000)
    })
  })
}
