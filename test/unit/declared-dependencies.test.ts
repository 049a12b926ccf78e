import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Record<string, Record<string, string> | undefined>
const declared = new Set([
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.devDependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
])
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
      for (const pattern of SPECIFIERS) {
        for (const match of text.matchAll(pattern)) {
          const name = packageOf(match[1]!)
          if (name && !declared.has(name) && !SUPPLIED_BY_NUXT.has(name)) undeclared.push(`${file}: ${name}`)
        }
      }
    }
    expect(files.length).toBeGreaterThan(10)
    expect(undeclared).toEqual([])
  })
})
