import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './support/fault-proxy'

/** The fault proxy against a tiny server that records what reached it and answers a 2 kB JSON body. */
const seen: { method: string, url: string, body: string, headers: Record<string, unknown> }[] = []
const ANSWER = JSON.stringify({ ok: true, filler: 'x'.repeat(2048) })
let server: Server
let target: string
const proxies: FaultProxy[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString(), headers: req.headers })
      if (req.url === '/empty') return void res.writeHead(204).end()
      res.writeHead(200, { 'content-type': 'application/json', 'etag': '"v1"' }).end(ANSWER)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

afterEach(async () => {
  seen.length = 0
  for (const proxy of proxies.splice(0)) await proxy.close()
})

async function proxy(options: Partial<FaultProxyOptions> = {}) {
  const started = await startFaultProxy({ target, seed: 1, ...options })
  proxies.push(started)
  return started
}

const post = (base: string, path = '/tables/x', body = '{"id":"a"}') =>
  fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

describe('fault proxy', () => {
  it('pass: forwards method, path, body and headers, and answers what the server answered', async () => {
    const p = await proxy({ headers: { 'x-sim-client': 'c1' } })
    const response = await post(p.url, '/tables/x?a=1')
    expect(response.status).toBe(200)
    expect(response.headers.get('etag')).toBe('"v1"')
    expect(await response.text()).toBe(ANSWER)
    expect(seen).toMatchObject([{ method: 'POST', url: '/tables/x?a=1', body: '{"id":"a"}', headers: { 'x-sim-client': 'c1' } }])
    expect(p.counts.pass).toBe(1)
  })

  it('stripResponseHeaders: the named headers never reach the client, the others do', async () => {
    const p = await proxy({ stripResponseHeaders: ['ETag'] })
    const response = await post(p.url)
    expect(response.headers.get('etag')).toBeNull()
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.text()).toBe(ANSWER)
  })

  it('dropRequest: the server never sees the request, the client gets an error', async () => {
    const p = await proxy({ rates: { dropRequest: 1 } })
    expect(await caught(post(p.url))).toBeInstanceOf(TypeError)
    expect(seen).toEqual([])
    expect(p.counts.dropRequest).toBe(1)
  })

  it('dropResponse: the server applied the request (whole body), the client gets an error', async () => {
    const p = await proxy({ rates: { dropResponse: 1 } })
    expect(await caught(post(p.url, '/tables/x', '{"id":"kept"}'))).toBeInstanceOf(TypeError)
    expect(seen).toMatchObject([{ method: 'POST', body: '{"id":"kept"}' }])
    expect(p.counts.dropResponse).toBe(1)
  })

  it('delay: waits the drawn delay before forwarding, then answers normally', async () => {
    // the proxy's clock is the test's: no wall time is measured
    const asked: number[] = []
    let sleeping!: () => void
    let wake!: () => void
    const slept = new Promise<void>(resolve => sleeping = resolve)
    const sleep = (ms: number) => {
      asked.push(ms)
      sleeping()
      return new Promise<void>(resolve => wake = resolve)
    }
    const p = await proxy({ rates: { delay: 1 }, delayMs: [150, 150], sleep })
    const answered = post(p.url)
    await slept
    expect(asked).toEqual([150])
    // not forwarded while the delay lasts
    expect(seen).toEqual([])
    wake()
    const response = await answered
    expect(await response.text()).toBe(ANSWER)
    expect(seen).toHaveLength(1)
    expect(p.counts.delay).toBe(1)
  })

  it('delay: a drawn delay lies in the configured range', async () => {
    const asked: number[] = []
    const p = await proxy({ rates: { delay: 1 }, delayMs: [20, 40], sleep: async ms => void asked.push(ms) })
    for (let n = 0; n < 20; n++) expect(await (await post(p.url)).text()).toBe(ANSWER)
    expect(asked).toHaveLength(20)
    for (const ms of asked) expect(ms >= 20 && ms <= 40, `${ms}`).toBe(true)
    expect(new Set(asked).size).toBeGreaterThan(1)
  })

  it.each([['error500', 500], ['error503', 503]] as const)('%s: answered by the proxy with %i, never forwarded', async (fault, status) => {
    const p = await proxy({ rates: { [fault]: 1 } })
    const response = await post(p.url)
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({ error: `fault proxy: injected ${fault}` })
    expect(seen).toEqual([])
    expect(p.counts[fault]).toBe(1)
  })

  it.each([['error500', 500], ['error503', 503]] as const)('%s: carries the CORS headers a cross-origin browser device needs to read it', async (fault, status) => {
    const p = await proxy({ rates: { [fault]: 1 } })
    const app = 'http://127.0.0.1:1234'
    const response = await fetch(`${p.url}/tables/x`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'origin': app } })
    expect(response.status).toBe(status)
    expect(response.headers.get('access-control-allow-origin')).toBe(app)
    expect(response.headers.get('vary')).toBe('Origin')
    // without an Origin (a Node device), any origin
    expect((await post(p.url)).headers.get('access-control-allow-origin')).toBe('*')
  })

  it('a server that does not answer: the proxy answers 502, with the CORS headers', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    const p = await proxy({ target: `http://127.0.0.1:${port}` })
    const response = await fetch(`${p.url}/tables/x`, { headers: { origin: 'http://127.0.0.1:1234' } })
    expect(response.status).toBe(502)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:1234')
    expect(await response.json()).toEqual({ error: 'fault proxy: the server did not answer' })
  })

  it('truncate: the full Content-Length, half the body, then the connection closes; the server applied it', async () => {
    const p = await proxy({ rates: { truncate: 1 } })
    const response = await post(p.url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-length')).toBe(String(ANSWER.length))
    expect(await caught(response.text())).toBeInstanceOf(Error)
    expect(seen).toHaveLength(1)
    expect(p.counts.truncate).toBe(1)
  })

  it('truncate of an answer without a body cuts it before the headers', async () => {
    const p = await proxy({ rates: { truncate: 1 } })
    expect(await caught(fetch(`${p.url}/empty`, { method: 'DELETE' }))).toBeInstanceOf(TypeError)
    expect(seen).toMatchObject([{ method: 'DELETE', url: '/empty' }])
  })

  it('reset: the connection is reset on arrival, the server never sees the request', async () => {
    const p = await proxy({ rates: { reset: 1 } })
    const error = await caught(post(p.url))
    expect(error).toBeInstanceOf(TypeError)
    expect(seen).toEqual([])
    expect(p.counts.reset).toBe(1)
  })

  it('the same seed and rates give the same faults in the same order; another seed differs', async () => {
    const rates = { dropRequest: 0.2, error503: 0.2, reset: 0.2 }
    const runs: string[][] = []
    for (const seed of [7, 7, 8]) {
      const p = await proxy({ seed, rates })
      for (let n = 0; n < 40; n++) await caught(fetch(`${p.url}/tables/x`).then(response => response.text()))
      runs.push(p.history.map(record => record.fault))
    }
    expect(runs[0]).toHaveLength(40)
    expect(runs[1]).toEqual(runs[0])
    expect(runs[2]).not.toEqual(runs[0])
    // every kind in the rates, and passes, occurred
    expect(new Set(runs[0])).toEqual(new Set(['pass', 'dropRequest', 'error503', 'reset']))
  })

  it('counts follow the rates over many requests, and setRates changes them at once', async () => {
    const p = await proxy({ seed: 3, rates: { error500: 0.5 } })
    for (let n = 0; n < 200; n++) await (await fetch(`${p.url}/tables/x`)).text()
    expect(p.counts.error500 + p.counts.pass).toBe(200)
    expect(p.counts.error500).toBeGreaterThan(60)
    expect(p.counts.error500).toBeLessThan(140)
    expect(seen).toHaveLength(p.counts.pass)
    p.setRates({})
    for (let n = 0; n < 10; n++) expect((await fetch(`${p.url}/tables/x`)).status).toBe(200)
    expect(p.counts.pass).toBe(seen.length)
  })

  it('down: every request fails without reaching the server, until it is up again', async () => {
    const p = await proxy()
    expect((await post(p.url)).status).toBe(200)
    p.setDown(true)
    expect(await caught(post(p.url))).toBeInstanceOf(TypeError)
    expect(seen).toHaveLength(1)
    p.setDown(false)
    expect((await post(p.url)).status).toBe(200)
    expect(seen).toHaveLength(2)
  })

  it('refuses rates that are unknown, out of range or add up to more than 1', async () => {
    await expect(startFaultProxy({ target, seed: 1, rates: { dropRequest: 0.6, reset: 0.6 } })).rejects.toThrow(/more than 1/)
    await expect(startFaultProxy({ target, seed: 1, rates: { delay: -0.1 } })).rejects.toThrow(/\[0, 1\]/)
    await expect(startFaultProxy({ target, seed: 1, rates: { lost: 0.1 } as never })).rejects.toThrow(/unknown fault/)
  })

  it('close: the port stops answering', async () => {
    const p = await startFaultProxy({ target, seed: 1 })
    await p.close()
    expect(await caught(fetch(p.url))).toBeInstanceOf(TypeError)
  })
})
