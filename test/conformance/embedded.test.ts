import { afterAll, beforeAll, describe } from 'vitest'
import { startHarness, type Harness } from './support/harness'
import { badInputSuite } from './suites/bad-input'
import { clockSuite } from './suites/clock'
import { hooksSuite } from './suites/hooks'
import { ownerSuite } from './suites/owner'
import { pagingSuite } from './suites/paging'
import { resourceSuite } from './suites/resources'

const MAX_BODY = 64 * 1024

// The whole table protocol over real HTTP, against the embedded database (PGlite in memory).
describe('table protocol on the embedded database', () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness('embedded', { maxBodySize: MAX_BODY })
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
  clockSuite(h, 'embedded')
})
