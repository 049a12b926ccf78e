import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
type Manifest = Record<string, Record<string, string> | undefined>
function declaredIn(folder: string): Set<string> {
  const manifest = JSON.parse(readFileSync(`${root}${folder}package.json`, 'utf8')) as Manifest
  return new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ])
}
const declared = declaredIn('')
/** Test-only packages with their own package.json (installed apart, e.g. the stock server on the system Node). */
const NESTED_PACKAGES = new Map([['test/stock-server/', declaredIn('test/stock-server/')]])
/** Nuxt gives every app its Vue; tests of composables import it as the app code does. */
const SUPPLIED_BY_NUXT = new Set(['vue'])
const GENERATED = /(?:^|\/)(?:node_modules|\.nuxt|\.output|\.data|dist)(?:\/|$)/
const SPECIFIERS = [
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g,
  /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
  /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
]

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; `undefined` for relative, absolute, alias and builtin specifiers. */
function packageOf(specifier: string): string | undefined {
  if (/^(?:[./#~]|node:|virtual:)/.test(specifier)) return undefined
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
  return builtinModules.includes(name) ? undefined : name
}

function sourceFiles(folder: string): string[] {
  return (readdirSync(`${root}${folder}`, { recursive: true }) as string[])
    .map(path => `${folder}/${path.replaceAll('\\', '/')}`)
    .filter(path => /\.(?:[cm]?ts|[cm]?js|vue)$/.test(path) && !GENERATED.test(path))
}

describe('declared dependencies', () => {
  it('every package that tests and benchmarks import is declared in package.json', () => {
    const undeclared: string[] = []
    const files = [...sourceFiles('test'), ...sourceFiles('bench')]
    for (const file of files) {
      const text = readFileSync(`${root}${file}`, 'utf8')
      const own = [...NESTED_PACKAGES].find(([folder]) => file.startsWith(folder))?.[1] ?? declared
      for (const pattern of SPECIFIERS) {
        for (const match of text.matchAll(pattern)) {
          const name = packageOf(match[1]!)
          if (name && !own.has(name) && !SUPPLIED_BY_NUXT.has(name)) undeclared.push(`${file}: ${name}`)
        }
      }
    }
    expect(files.length).toBeGreaterThan(10)
    expect(undeclared).toEqual([])
  })
})
