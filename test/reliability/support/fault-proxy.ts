import { Agent, createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createPrng, type Prng } from './prng'

/**
 * What the proxy does to one request.
 * - `pass`: forwarded, answered as the server answered.
 * - `dropRequest`: never forwarded; the client's connection is closed without an answer.
 * - `dropResponse`: forwarded; once the server's whole answer arrived (the write is applied), the client's
 *   connection is closed without it.
 * - `delay`: forwarded after a delay (`delayMs`), answered normally.
 * - `error500` / `error503`: answered by the proxy itself with that status; never forwarded.
 * - `truncate`: forwarded; the answer's headers go out with the full `Content-Length`, then half the body, then the
 *   connection closes (an answer without a body is cut before its headers).
 * - `reset`: the connection is reset (TCP RST) as soon as the request's headers arrive; never forwarded.
 */
export type FaultKind = 'pass' | 'dropRequest' | 'dropResponse' | 'delay' | 'error500' | 'error503' | 'truncate' | 'reset'
export type InjectedFault = Exclude<FaultKind, 'pass'>

export const FAULT_KINDS: readonly InjectedFault[] = ['dropRequest', 'dropResponse', 'delay', 'error500', 'error503', 'truncate', 'reset']

/** The probability of each fault per request (each in [0, 1], their sum at most 1); the rest passes. */
export type FaultRates = Partial<Record<InjectedFault, number>>

export interface FaultProxyOptions {
  /** Where requests go, e.g. `http://127.0.0.1:3000`. */
  target: string
  /** Seed of the proxy's PRNG: the same seed and the same order of requests give the same faults. */
  seed: number
  /** @default no fault */
  rates?: FaultRates
  /** Range of a `delay` fault, inclusive. @default [5, 80] */
  delayMs?: [number, number]
  /** How a `delay` fault waits its `ms` (a test may stand in its own clock). @default setTimeout */
  sleep?: (ms: number) => Promise<void>
  /** Headers added to every forwarded request (e.g. which device sends it). */
  headers?: Record<string, string>
  /** Response headers removed from every forwarded answer (lower case), e.g. a server's announcement. */
  stripResponseHeaders?: string[]
}

export interface FaultRecord {
  method: string
  url: string
  fault: FaultKind | 'down'
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** How many requests got each treatment; `down`: requests and connections refused while the proxy was down. */
  readonly counts: Readonly<Record<FaultKind | 'down', number>>
  /** The first 10,000 requests and what each got, in arrival order. */
  readonly history: readonly FaultRecord[]
  setRates: (rates: FaultRates) => void
  /** Down: every connection (open or new) is closed at once, like a device without network. */
  setDown: (down: boolean) => void
  close: () => Promise<void>
}

const HISTORY_LIMIT = 10_000
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'content-length'])

function checkedRates(rates: FaultRates): FaultRates {
  let sum = 0
  for (const [kind, rate] of Object.entries(rates)) {
    if (!FAULT_KINDS.includes(kind as InjectedFault)) throw new TypeError(`fault proxy: unknown fault ${kind}`)
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new TypeError(`fault proxy: rate of ${kind} must be in [0, 1]`)
    sum += rate
  }
  if (sum > 1 + 1e-9) throw new TypeError(`fault proxy: the rates add up to ${sum}, more than 1`)
  return { ...rates }
}

function choose(prng: Prng, rates: FaultRates): FaultKind {
  const roll = prng.next()
  let edge = 0
  for (const kind of FAULT_KINDS) {
    edge += rates[kind] ?? 0
    if (roll < edge) return kind
  }
  return 'pass'
}

/**
 * Headers of an answer the proxy makes itself (an injected 500/503, a 502): JSON, and the CORS headers a browser device
 * (cross-origin, like the server's own answers) needs to read it as that status rather than as a network error. The
 * request's origin is echoed (`*` without one), which any allowed-origin setting of the server would allow; nothing is exposed, since
 * such an answer carries none of the headers the server exposes (`ETag`, `Link`, the batch announcement).
 */
function ownAnswerHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  return { 'content-type': 'application/json', 'access-control-allow-origin': req.headers.origin ?? '*', 'vary': 'Origin' }
}

const readBody = (message: IncomingMessage): Promise<Buffer> => new Promise((resolve, reject) => {
  const chunks: Buffer[] = []
  message.on('data', (chunk: Buffer) => chunks.push(chunk))
  message.on('end', () => resolve(Buffer.concat(chunks)))
  message.on('error', reject)
})

/** An HTTP proxy on 127.0.0.1 in front of `options.target` that injects faults by a seeded PRNG (see `FaultKind`). */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const prng = createPrng(options.seed)
  const [minDelay, maxDelay] = options.delayMs ?? [5, 80]
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)))
  let rates = checkedRates(options.rates ?? {})
  let down = false
  const counts = Object.fromEntries([...FAULT_KINDS, 'pass', 'down'].map(kind => [kind, 0])) as Record<FaultKind | 'down', number>
  const history: FaultRecord[] = []
  const sockets = new Set<Socket>()
  const agent = new Agent({ keepAlive: true })
  const stripped = new Set([...HOP_BY_HOP, ...(options.stripResponseHeaders ?? []).map(name => name.toLowerCase())])

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number, headers: OutgoingHttpHeaders, body: Buffer }> {
    const headers: OutgoingHttpHeaders = { ...req.headers, ...options.headers, 'host': target.host, 'content-length': String(body.length) }
    delete headers['transfer-encoding']
    return new Promise((resolve, reject) => {
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (response) => {
        readBody(response).then((answer) => {
          const kept: OutgoingHttpHeaders = {}
          for (const [name, value] of Object.entries(response.headers)) if (!stripped.has(name)) kept[name] = value
          resolve({ status: response.statusCode ?? 502, headers: kept, body: answer })
        }, reject)
      })
      upstream.on('error', reject)
      upstream.end(body)
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse, fault: FaultKind, delay: number): Promise<void> {
    if (fault === 'reset') return void req.socket.resetAndDestroy()
    const body = await readBody(req)
    if (fault === 'dropRequest') return void req.socket.destroy()
    if (fault === 'error500' || fault === 'error503') {
      res.writeHead(fault === 'error500' ? 500 : 503, ownAnswerHeaders(req))
      return void res.end(JSON.stringify({ error: `fault proxy: injected ${fault}` }))
    }
    if (fault === 'delay') await sleep(delay)
    let answer: Awaited<ReturnType<typeof forward>>
    try {
      answer = await forward(req, body)
    }
    catch {
      res.writeHead(502, ownAnswerHeaders(req))
      return void res.end(JSON.stringify({ error: 'fault proxy: the server did not answer' }))
    }
    if (fault === 'dropResponse' || (fault === 'truncate' && answer.body.length < 2)) return void req.socket.destroy()
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) })
    if (fault !== 'truncate') return void res.end(answer.body)
    res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy())
  }

  const server = createServer((req, res) => {
    const fault: FaultKind | 'down' = down ? 'down' : choose(prng, rates)
    counts[fault] += 1
    if (history.length < HISTORY_LIMIT) history.push({ method: req.method ?? 'GET', url: req.url ?? '/', fault })
    if (fault === 'down') return void req.socket.destroy()
    // drawn now, in arrival order, so the sequence of draws does not depend on how long bodies take to arrive
    const delay = fault === 'delay' ? prng.between(minDelay, maxDelay) : 0
    handle(req, res, fault, delay).catch(() => req.socket.destroy())
  })
  server.on('connection', (socket) => {
    if (down) {
      counts.down += 1
      return void socket.destroy()
    }
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    history,
    setRates(next) {
      rates = checkedRates(next)
    },
    setDown(value) {
      down = value
      if (down) for (const socket of sockets) socket.destroy()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      agent.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}
