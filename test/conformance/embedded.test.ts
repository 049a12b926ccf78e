import { describe } from 'vitest'
import { protocolSuite } from './suites/protocol'

// The whole table protocol over real HTTP, against the embedded database (PGlite in memory).
describe('table protocol on the embedded database', () => {
  protocolSuite('embedded')
})
