import { describe, expect, it } from 'vitest'
import * as errors from '../../../src/runtime/core/errors'

type AnyErrorClass = new (...args: unknown[]) => errors.OfflineSyncError

/** Every error class of the module but the base class. */
const classes: [string, AnyErrorClass][] = Object.entries(errors as Record<string, unknown>)
  .filter(([, value]) => typeof value === 'function' && value.prototype instanceof errors.OfflineSyncError)
  .map(([name, value]) => [name, value as AnyErrorClass])

describe('typed errors', () => {
  it('covers every class', () => {
    expect(classes.map(([name]) => name)).toContain('StorageError')
    expect(classes.length).toBeGreaterThanOrEqual(16)
  })

  it.each(classes)('%s keeps its name when a production build minifies the class name', (name, ErrorClass) => {
    const original = Object.getOwnPropertyDescriptor(ErrorClass, 'name')!
    // what a minifier does to `class StorageError`: the class is renamed, e.g. to `Go`
    Object.defineProperty(ErrorClass, 'name', { value: 'Go', configurable: true })
    try {
      const error = new ErrorClass('items', 'x', 'y', 'z')
      expect(error.name).toBe(name)
      expect(errors.isOfflineSyncError(error, error.code)).toBe(true)
      expect(String(error)).toMatch(new RegExp(`^${name}: `))
    }
    finally {
      Object.defineProperty(ErrorClass, 'name', original)
    }
  })
})
