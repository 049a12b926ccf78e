/** HTTP writers of the concurrency test: plain protocol v2 requests, every answer checked. */

export interface WrittenState {
  version: string
  deleted: boolean
  text: string
}

export interface WriteCounts {
  inserts: number
  updates: number
  deletes: number
  conflicts: number
  hotUpdates: number
}

type Json = Record<string, unknown>

async function send(method: string, url: string, body?: Json, version?: string): Promise<{ status: number, item: Json }> {
  const headers: Record<string, string> = { 'ZUMO-API-VERSION': '2.0.0' }
  if (body) headers['Content-Type'] = 'application/json'
  if (version) headers['If-Match'] = `"${version}"`
  const response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined })
  const text = await response.text()
  try {
    return { status: response.status, item: JSON.parse(text) as Json }
  }
  catch {
    throw new Error(`${method} ${url} ${JSON.stringify(body ?? null)} → ${response.status} (not JSON) ${text.slice(0, 300)}`)
  }
}

function expectStatus(expected: number, got: { status: number, item: Json }, what: string): Json {
  if (got.status !== expected) throw new Error(`${what} → ${got.status} ${JSON.stringify(got.item)} (expected ${expected})`)
  return got.item
}

/**
 * One writer: `items` rows it owns, each inserted through one server and updated through the other; every
 * 7th row also gets a stale update (must be a 412 carrying the current version), every 5th is deleted, and
 * after every 6th row it updates the shared `hot` row without a version (last writer wins).
 * Records the state of every owned row as the last acknowledged answer reported it.
 */
export async function runWriter(options: {
  writer: string
  items: number
  servers: string[]
  table: string
  acknowledged: Map<string, WrittenState>
  counts: WriteCounts
}): Promise<void> {
  const { writer, servers, table, acknowledged, counts } = options
  for (let i = 0; i < options.items; i++) {
    const id = `${writer}-${String(i).padStart(3, '0')}`
    const first = servers[i % servers.length]!
    const second = servers[(i + 1) % servers.length]!

    const inserted = expectStatus(201, await send('POST', `${first}/tables/${table}`, { id, text: 'inserted', n: i, writer }), `POST ${first} ${id}`)
    counts.inserts++
    acknowledged.set(id, { version: String(inserted.version), deleted: false, text: 'inserted' })

    const updated = expectStatus(200, await send('PATCH', `${second}/tables/${table}/${id}`, { text: 'updated', n: i + 1000 }, String(inserted.version)), `PATCH ${second} ${id}`)
    counts.updates++
    acknowledged.set(id, { version: String(updated.version), deleted: false, text: 'updated' })

    if (i % 7 === 3) {
      const stale = await send('PATCH', `${first}/tables/${table}/${id}`, { text: 'stale' }, String(inserted.version))
      const server = expectStatus(412, stale, `stale PATCH ${first} ${id}`)
      if (server.version !== updated.version || server.text !== 'updated') throw new Error(`stale PATCH ${id}: 412 body ${JSON.stringify(server)} is not the server item`)
      counts.conflicts++
    }
    if (i % 5 === 4) {
      const deleted = expectStatus(200, await send('DELETE', `${first}/tables/${table}/${id}`, undefined, String(updated.version)), `DELETE ${first} ${id}`)
      counts.deletes++
      acknowledged.set(id, { version: String(deleted.version), deleted: true, text: 'updated' })
    }
    if (i % 6 === 5) {
      expectStatus(200, await send('PATCH', `${second}/tables/${table}/hot`, { text: `hot from ${id}`, writer }), `PATCH ${second} hot`)
      counts.hotUpdates++
    }
  }
}

export async function insertHotRow(server: string, table: string): Promise<void> {
  expectStatus(201, await send('POST', `${server}/tables/${table}`, { id: 'hot', text: 'hot', n: 0, writer: 'setup' }), 'POST hot')
}
