import { afterAll, beforeAll } from 'vitest'
import { describeWithPostgres, postgresProblem } from '../support/postgres'
import { startHarness, type Harness } from './support/harness'
import { badInputSuite } from './suites/bad-input'
import { clockSuite } from './suites/clock'
import { hooksSuite } from './suites/hooks'
import { ownerSuite } from './suites/owner'
import { pagingSuite } from './suites/paging'
import { resourceSuite } from './suites/resources'

const MAX_BODY = 64 * 1024
const problem = await postgresProblem()

// The same protocol suite as on the embedded database, against real PostgreSQL in a fresh schema (dropped afterwards).
describeWithPostgres('table protocol on PostgreSQL', problem, () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness('postgres', { maxBodySize: MAX_BODY })
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
  clockSuite(h, 'postgres')
})
