/**
 * A query option (`$filter`, `$orderby`, `$select`) that does not parse or does not fit the table.
 * The server answers it with HTTP 400 and the message, which names the option, the problem and,
 * for parse errors, the 0-based character position.
 */
export class ODataError extends Error {
  override name = 'ODataError'
  /** HTTP status the server should answer with. */
  readonly statusCode = 400
  /** 0-based character offset of the problem in the option's text, when known. */
  position?: number

  constructor(message: string, position?: number) {
    super(message)
    if (position !== undefined) this.position = position
  }
}

/** `"<option>: <problem> at position <n>"`. */
export function odataError(option: string, problem: string, position?: number): ODataError {
  return new ODataError(position === undefined ? `${option}: ${problem}` : `${option}: ${problem} at position ${position}`, position)
}

/** A user's text shortened for a message. */
export function clip(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text
}
