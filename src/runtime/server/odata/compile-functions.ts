import { sql, type RawBuilder } from 'kysely'

type Sql = RawBuilder<unknown>

/**
 * A number argument as a PostgreSQL `integer` for `substr`: rounded, capped, and NULL when it is null or
 * negative, so that no input can raise a database error. Refers to `x` once (no blow-up when nested).
 */
function index(x: Sql): Sql {
  return sql`nullif(least(greatest(coalesce(round(${x}), -1), -1), 2147483646), -1)::integer`
}

function utcPart(part: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', x: Sql): Sql {
  return sql`date_part(${sql.lit(part)}, ${x} at time zone 'UTC')`
}

/** White space that OData `trim` removes (PostgreSQL's one-argument `btrim` removes only spaces). */
const WHITE_SPACE = sql`' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)`

/**
 * SQL for each `$filter` function, given its compiled (already parameterised) arguments. Numbers are
 * `double precision`; string positions are 0-based as in OData.
 */
export const FUNCTION_SQL: Readonly<Record<string, (args: Sql[]) => Sql>> = {
  substringof: ([needle, text]) => sql`(strpos(${text}, ${needle}) > 0)`,
  contains: ([text, needle]) => sql`(strpos(${text}, ${needle}) > 0)`,
  startswith: ([text, prefix]) => sql`starts_with(${text}, ${prefix})`,
  endswith: ([text, suffix]) => sql`starts_with(reverse(${text}), reverse(${suffix}))`,
  tolower: ([text]) => sql`lower(${text})`,
  toupper: ([text]) => sql`upper(${text})`,
  trim: ([text]) => sql`btrim(${text}, ${WHITE_SPACE})`,
  length: ([text]) => sql`char_length(${text})::double precision`,
  indexof: ([text, needle]) => sql`(strpos(${text}, ${needle}) - 1)::double precision`,
  replace: ([text, find, replacement]) => sql`replace(${text}, ${find}, ${replacement})`,
  substring: ([text, start, length]) => length
    ? sql`substr(${text}, ${index(start!)} + 1, ${index(length)})`
    : sql`substr(${text}, ${index(start!)} + 1)`,
  concat: ([a, b]) => sql`concat(${a}, ${b})`,
  year: ([date]) => utcPart('year', date!),
  month: ([date]) => utcPart('month', date!),
  day: ([date]) => utcPart('day', date!),
  hour: ([date]) => utcPart('hour', date!),
  minute: ([date]) => utcPart('minute', date!),
  second: ([date]) => sql`floor(${utcPart('second', date!)})`,
  floor: ([x]) => sql`floor(${x})`,
  ceiling: ([x]) => sql`ceil(${x})`,
  // numeric rounds half away from zero, as OData asks (double precision would round half to even)
  round: ([x]) => sql`round((${x})::numeric)::double precision`,
}
