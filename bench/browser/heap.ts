// The JS heap of a page during a call, sampled from outside through the DevTools protocol (`performance.memory`
// stays coarse and stale in headless Chromium even with --enable-precise-memory-info).
import type { Page } from 'playwright-core'

/** The page's used JS heap over a call: after a forced GC at its start, and the highest sample (about every 50 ms, and at its end). */
export interface HeapMeasure {
  startBytes: number
  peakBytes: number
  samples: number
}

/** Runs `call` while sampling `page`'s heap (`Runtime.getHeapUsage`) about every `everyMs`. */
export async function heapDuring<T>(page: Page, call: () => Promise<T>, everyMs = 50): Promise<{ result: T, heap: HeapMeasure }> {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('HeapProfiler.collectGarbage')
    const used = async () => (await cdp.send('Runtime.getHeapUsage')).usedSize
    const startBytes = await used()
    let peakBytes = startBytes
    let samples = 1
    let done = false
    const sampling = (async () => {
      while (!done) {
        peakBytes = Math.max(peakBytes, await used())
        samples++
        await new Promise(resolve => setTimeout(resolve, everyMs))
      }
    })()
    let result: T
    try {
      result = await call()
    }
    finally {
      done = true
      await sampling
    }
    peakBytes = Math.max(peakBytes, await used())
    return { result, heap: { startBytes, peakBytes, samples: samples + 1 } }
  }
  finally {
    await cdp.detach().catch(() => {})
  }
}
