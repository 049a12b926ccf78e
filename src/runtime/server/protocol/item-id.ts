import { idProblem } from '../../core/protocol/system'

/** A UTF-16 surrogate without its partner. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Why `id` cannot be an item id on this server (`idProblem`), or `undefined`. The server also refuses an id that
 * is not well-formed Unicode: PostgreSQL stores a lone surrogate as U+FFFD, so the stored row would answer with
 * another id than the client holds.
 */
export function itemIdProblem(id: unknown): string | undefined {
  const problem = idProblem(id)
  if (problem) return problem
  return LONE_SURROGATE.test(id as string) ? 'an id must be well-formed Unicode (it holds a lone surrogate)' : undefined
}
