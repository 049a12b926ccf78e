import { idProblem } from '../../core/protocol/system'

/**
 * Why `id` cannot be an item id on this server (`idProblem`), or `undefined`. The server also refuses an id that
 * is not well-formed Unicode (`String.prototype.isWellFormed`: a lone surrogate): PostgreSQL stores a lone
 * surrogate as U+FFFD, so the stored row would answer with another id than the client holds.
 */
export function itemIdProblem(id: unknown): string | undefined {
  const problem = idProblem(id)
  if (problem) return problem
  return (id as string).isWellFormed() ? undefined : 'an id must be well-formed Unicode (it holds a lone surrogate)'
}
