import { afterAll, beforeAll } from 'vitest'
import { startHarness, type Backend, type Harness } from '../support/harness'
import { badInputSuite } from './bad-input'
import { batchSuite } from './batch'
import { clockSuite } from './clock'
import { hooksSuite } from './hooks'
import { ownerSuite } from './owner'
import { pagingSuite } from './paging'
import { resourceSuite } from './resources'

const MAX_BODY = 64 * 1024

/** The whole table protocol over real HTTP on one backend; call it inside a `describe`. */
export function protocolSuite(backend: Backend): void {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness(backend, { maxBodySize: MAX_BODY })
  })
  afterAll(async () => {
    await harness?.close()
  })
  const h = () => harness

  resourceSuite(h)
  pagingSuite(h)
  badInputSuite(h, MAX_BODY)
  ownerSuite(h)
  hooksSuite(h)
  clockSuite(h, backend)
  batchSuite(h)
}
