import { describeWithPostgres, postgresProblem } from '../support/postgres'
import { protocolSuite } from './suites/protocol'

const problem = await postgresProblem()

// The same protocol suite as on the embedded database, against real PostgreSQL in a fresh schema (dropped afterwards).
describeWithPostgres('table protocol on PostgreSQL', problem, () => {
  protocolSuite('postgres')
})
