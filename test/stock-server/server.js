// Test-only: the stock Azure Mobile Apps Node server (npm `azure-mobile-apps` v4, Express, its `sqlite` data
// provider), started by test/support/stock-server.ts so that the sync tests can run our client against it.
//
//   node server.js [port] [tables-json]
//   STOCK_SERVER_PORT=0 STOCK_SERVER_TABLES='{"todos":{"text":"string"}}' node server.js
//
// port: 0 (the default) picks a free port. tables: `{ "<name>": { "<column>": "string|number|boolean|date" } }`,
// or `{ "<name>": { "columns": {…}, "softDelete": false, "dynamicSchema": false, "pageSize": 50 } }` to set table
// options; the default is the tables `todos` and `items` below. Every table gets soft delete (pull needs the
// `deleted` column) and dynamic schema (a column the client sends that is not declared is added on first write).
// The sqlite file lives in a fresh temporary directory, removed on exit; STOCK_SERVER_DB names a file instead.
//
// Test hook (a stock custom API, outside /tables): `POST /api/touch` `{ "table": "items", "ids": ["a", "b"] }` rewrites
// the rows in ONE SQL statement, so the package's own update trigger gives them all the same `updatedAt` (a tie) and
// a new `version`; answers `{ "rows": [{ id, updatedAt, version }] }`. Without `ids` it touches every row.
//
// Prints one line `stock-server ready <url>` on stdout once it listens; exits 0 on SIGTERM/SIGINT (the temporary
// directory is removed). Errors go to stderr with exit code 1.
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const express = require('express')
const azureMobileApps = require('azure-mobile-apps')

const DEFAULT_TABLES = {
  todos: { text: 'string', done: 'boolean', priority: 'number' },
  items: { n: 'number', text: 'string' },
}

/** `{ name: definition }` from the JSON argument: either columns directly or `{ columns, …options }`. */
function tableDefinitions(json) {
  const tables = json ? JSON.parse(json) : DEFAULT_TABLES
  if (!tables || typeof tables !== 'object' || Array.isArray(tables)) throw new Error('tables: a JSON object { name: columns } is expected')
  const definitions = {}
  for (const [name, spec] of Object.entries(tables)) {
    const hasOptions = spec && typeof spec.columns === 'object'
    const { columns, ...options } = hasOptions ? spec : { columns: spec || {} }
    definitions[name] = { softDelete: true, dynamicSchema: true, ...options, columns }
  }
  return definitions
}

/** The `POST /api/touch` handler: one UPDATE over the given rows through the app's own data provider. */
function touch(definitions) {
  return (req, res, next) => {
    const { table, ids } = req.body || {}
    if (!Object.hasOwn(definitions, table)) return res.status(400).json({ error: `touch: unknown table ${table}` })
    if (ids !== undefined && (!Array.isArray(ids) || ids.some(id => typeof id !== 'string'))) return res.status(400).json({ error: 'touch: ids must be strings' })
    const parameters = Object.fromEntries((ids || []).map((id, i) => [`p${i}`, id]))
    const where = ids ? ` WHERE [id] IN (${ids.map((_, i) => `@p${i}`).join(',') || 'NULL'})` : ''
    req.azureMobile.data.execute([
      { sql: `UPDATE [${table}] SET [deleted] = [deleted]${where}`, parameters },
      { sql: `SELECT [id], [updatedAt], [version] FROM [${table}]${where} ORDER BY [id]`, parameters },
    ]).then(rows => res.json({ rows: rows.map(row => ({ ...row, version: Buffer.from(String(row.version)).toString('base64') })) }), next)
  }
}

async function main() {
  const port = Number(process.argv[2] ?? process.env.STOCK_SERVER_PORT ?? 0)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port: ${process.argv[2] ?? process.env.STOCK_SERVER_PORT} is not a port number`)
  const definitions = tableDefinitions(process.argv[3] ?? process.env.STOCK_SERVER_TABLES)

  const dir = process.env.STOCK_SERVER_DB ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'stock-server-'))
  const filename = process.env.STOCK_SERVER_DB || path.join(dir, 'data.sqlite')
  const cleanup = () => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  }

  // The second argument is the environment the package reads its MS_* settings from: empty, so that the
  // machine's variables cannot change the server under test.
  const mobile = azureMobileApps({
    data: { provider: 'sqlite', filename },
    homePage: false,
    swagger: false,
    logging: { level: process.env.STOCK_SERVER_LOG || 'error' },
  }, {})
  for (const [name, definition] of Object.entries(definitions)) mobile.tables.add(name, definition)
  mobile.api.add('touch', { post: touch(definitions) })
  await mobile.tables.initialize()

  const app = express()
  app.use(mobile)
  const server = app.listen(port, '127.0.0.1')
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close(() => {
      cleanup()
      process.exit(0)
    })
    server.closeAllConnections()
    // The sqlite connection and any stuck request must not keep the process alive.
    setTimeout(() => {
      cleanup()
      process.exit(0)
    }, 2000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  const { port: actual } = server.address()
  process.stdout.write(`stock-server ready http://127.0.0.1:${actual}\n`)
}

main().catch((error) => {
  process.stderr.write(`stock-server failed: ${error && error.stack ? error.stack : error}\n`)
  process.exit(1)
})
