import { describe, expect, it } from 'vitest'
import { fieldDiff, mergeDraft, parseMerge, sameValue } from '../../../client/utils/diff'

const conflict = {
  itemId: 'a1',
  clientItem: { id: 'a1', text: 'Buy oat milk', done: false, listId: 'l1', version: 'v1', updatedAt: '2026-01-01T00:00:00.000Z' },
  serverItem: { id: 'a1', text: 'Buy milk', done: true, listId: 'l1', note: 'server only', version: 'v2', updatedAt: '2026-01-02T00:00:00.000Z', deleted: false },
}

describe('conflict field diff (DevTools panel)', () => {
  it('flags the fields whose values differ and lists the system columns last', () => {
    const fields = fieldDiff(conflict.clientItem, conflict.serverItem)
    expect(fields.map(field => field.name)).toEqual(['text', 'done', 'listId', 'note', 'id', 'version', 'updatedAt', 'deleted'])
    expect(fields.filter(field => field.differs && !field.system).map(field => field.name)).toEqual(['text', 'done', 'note'])
    expect(fields.find(field => field.name === 'version')).toMatchObject({ system: true, differs: true, client: 'v1', server: 'v2' })
  })

  it('treats null and missing alike, two spellings of one instant alike, and ignores key order', () => {
    expect(sameValue(null, undefined)).toBe(true)
    expect(sameValue('2026-11-25T09:00:00Z', '2026-11-25T09:00:00.000Z')).toBe(true)
    expect(sameValue('2026-11-25T09:00:00Z', '2026-11-25T09:00:01.000Z')).toBe(false)
    expect(sameValue({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true)
    expect(sameValue(0, false)).toBe(false)
    expect(sameValue('', null)).toBe(false)
  })

  it('marks every field of mine as differing when the server has no row', () => {
    const fields = fieldDiff({ id: 'x', name: 'Garden' }, undefined)
    expect(fields).toEqual([
      { name: 'name', client: 'Garden', server: undefined, differs: true, system: false },
      { name: 'id', client: 'x', server: undefined, differs: true, system: true },
    ])
  })
})

describe('merge editor (DevTools panel)', () => {
  it('starts from the server’s fields with mine on top, without system columns but with the id', () => {
    expect(mergeDraft(conflict)).toEqual({ id: 'a1', text: 'Buy oat milk', done: false, listId: 'l1', note: 'server only' })
    expect(mergeDraft({ itemId: 'g', clientItem: { id: 'g', name: 'Garden' }, serverItem: undefined })).toEqual({ id: 'g', name: 'Garden' })
  })

  it('accepts an edited object and keeps the conflict’s id (added when left out)', () => {
    expect(parseMerge('{ "text": "Buy both", "done": true }', conflict)).toEqual({ item: { text: 'Buy both', done: true, id: 'a1' } })
    expect(parseMerge(JSON.stringify(mergeDraft(conflict)), conflict).item).toEqual(mergeDraft(conflict))
  })

  it('refuses what would be stored wrongly, saying why', () => {
    expect(parseMerge('{ "text": ', conflict).error).toMatch(/^Not valid JSON/)
    expect(parseMerge('[1]', conflict).error).toBe('The merged item must be a JSON object.')
    expect(parseMerge('null', conflict).error).toBe('The merged item must be a JSON object.')
    expect(parseMerge('{ "id": "b2" }', conflict).error).toBe('"id" must stay "a1".')
    expect(parseMerge('{ "version": "v9" }', conflict).error).toBe('Remove "version": the server sets it.')
    expect(parseMerge('{ "titel": "typo" }', conflict).error).toBe('Unknown field "titel": neither side has it.')
  })
})
