import { describe, expect, it } from 'vitest'
import { checkColumnValue } from '../../../src/runtime/core/column-value'
import { readItem } from '../../../src/runtime/server/protocol/item-values'
import { toTableSpecs } from '../../../src/runtime/server/table-spec'

// A date the client stores must be one the server accepts, as the same value: otherwise the row can never be pushed.
const spec = toTableSpecs({ events: { columns: { at: 'date' } } }).get('events')!

function server(value: string): string | undefined {
  try {
    return readItem(spec, { at: value }, false).columns.at as string
  }
  catch {
    return undefined
  }
}

function client(value: string): string | undefined {
  const check = checkColumnValue('date', value)
  return check.ok ? check.value as string : undefined
}

describe('date columns: one rule on client and server', () => {
  it.each([
    '2024-01-31T12:00:00.000Z',
    '2024-01-31T12:00:00Z',
    '2024-01-31T12:00Z',
    '2024-01-31T13:00:00.1234567+01:00',
    '2024-01-31',
    '0001-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '0000-06-01T00:00:00.000Z',
    '2024-02-30T00:00:00.000Z',
    '2024-01-31T24:00:00.000Z',
    '2024-01-31T12:00:00',
    '2024-01-31T12:00:00+0100',
    '9999-12-31T23:30:00-01:00',
    'yesterday',
  ])('%s', (value) => {
    expect(server(value)).toBe(client(value))
  })

  it('accepts and normalises what both should accept', () => {
    expect(server('2024-01-31T13:00:00.1234567+01:00')).toBe('2024-01-31T12:00:00.123Z')
    expect(server('0000-06-01T00:00:00.000Z')).toBeUndefined()
  })
})
