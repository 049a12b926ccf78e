import { describe, expect, it } from 'vitest'
import { newId, TIMESTAMP, type Harness } from '../support/harness'

interface Row { id: string, n: number, text: string, updatedAt: string }

/** Page sizes, `Link`/`nextLink`, and an incremental pull across a run of equal `updatedAt` longer than a page. */
export function pagingSuite(harness: () => Harness): void {
  const h = () => harness()

  /** Inserts rows through the database in ONE transaction: the clock gives them all the same stamp. */
  async function insertInOneTransaction(text: string, count: number): Promise<void> {
    await h().db.transaction().execute(async (trx) => {
      for (let n = 0; n < count; n++) {
        await trx.insertInto('pages').values({ id: `${text}-${String(n).padStart(4, '0')}`, n, text }).execute()
      }
    })
  }

  async function insertOneByOne(text: string, from: number, count: number): Promise<void> {
    for (let n = from; n < from + count; n++) {
      const reply = await h().request('POST', '/tables/pages', { body: { id: `${text}-${String(n).padStart(4, '0')}`, n, text } })
      expect(reply.status).toBe(201)
    }
  }

  describe('paging', () => {
    it('pages hold 50 rows by default in v2 and 100 in v3; $top above 1000 is a 400', async () => {
      const text = newId('size')
      await insertInOneTransaction(text, 120)
      const filter = `$filter=text eq '${text}'`
      expect((await h().request('GET', `/tables/pages?${filter}`)).json).toHaveLength(50)
      expect((await h().request('GET', `/tables/pages?${filter}&$top=1000`)).json).toHaveLength(50)
      expect((await h().request('GET', `/tables/pages?${filter}`, { version: '3.0.0' })).json.items).toHaveLength(100)
      const tooMany = await h().request('GET', `/tables/pages?${filter}&$top=1001`)
      expect(tooMany.status).toBe(400)
      expect(tooMany.json.error).toMatch(/1000/)
    })

    it('v2 sends Link (no angle brackets, `; rel=next`) while rows remain, and following it pages through everything', async () => {
      const text = newId('link')
      await insertInOneTransaction(text, 120)
      let next: string | null = `/tables/pages?$filter=${encodeURIComponent(`text eq '${text}'`)}&$orderby=n&$top=110`
      const seen: number[] = []
      const links: string[] = []
      while (next) {
        const reply = await h().request('GET', next.startsWith('http') ? next.slice(h().url.length) : next)
        expect(reply.status).toBe(200)
        seen.push(...reply.json.map((row: Row) => row.n))
        const link = reply.headers.get('link')
        if (link) links.push(link)
        next = link ? link.replace(/; rel=next$/, '') : null
      }
      expect(seen).toEqual(Array.from({ length: 110 }, (_, n) => n))
      expect(links).toHaveLength(2)
      expect(links[0]).toMatch(new RegExp(`^${h().url}/tables/pages\\?.*%24top=60&%24skip=50; rel=next$`))
      expect(links[0]).not.toContain('<')
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

    it('an incremental pull across a run of equal updatedAt longer than a page misses and repeats nothing', async () => {
      const text = newId('pull')
      await insertOneByOne(text, 0, 5)
      await insertInOneTransaction(`${text}-tie`, 120)
      await h().db.updateTable('pages').set({ text }).where('text', '=', `${text}-tie`).execute()
      await insertOneByOne(text, 200, 5)

      const stamps = await h().db.selectFrom('pages').select('updatedAt').where('text', '=', text).execute()
      const counts = new Map<number, number>()
      for (const { updatedAt } of stamps) counts.set((updatedAt as Date).getTime(), (counts.get((updatedAt as Date).getTime()) ?? 0) + 1)
      expect(Math.max(...counts.values())).toBe(120)

      const pageSize = 50
      let watermark = '1970-01-01T00:00:00.000Z'
      let skip = 0
      const pulled: Row[] = []
      for (let guard = 0; guard < 20; guard++) {
        const filter = encodeURIComponent(`(text eq '${text}') and (updatedAt ge datetimeoffset'${watermark}')`)
        const reply = await h().request('GET', `/tables/pages?$filter=${filter}&$orderby=updatedAt,id&$top=${pageSize}&$skip=${skip}&__includeDeleted=true`)
        expect(reply.status).toBe(200)
        const page = reply.json as Row[]
        if (page.length === 0) break
        pulled.push(...page)
        const last = page.at(-1)!.updatedAt
        expect(last).toMatch(TIMESTAMP)
        if (last === watermark) {
          skip += page.length
        }
        else {
          watermark = last
          skip = page.filter(row => row.updatedAt === last).length
        }
        if (page.length < pageSize) break
      }
      const ids = pulled.map(row => row.id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.length).toBe(130)
      const order = pulled.map(row => `${row.updatedAt} ${row.id}`)
      expect(order).toEqual([...order].sort())
    })
  })
}
