// @ts-check
import { createConfigForNuxt } from '@nuxt/eslint-config/flat'

export default createConfigForNuxt({
  features: {
    tooling: true,
    stylistic: true,
  },
  dirs: {
    src: ['./playground', './playground/app', './client'],
  },
}).append({
  ignores: ['dist', 'node_modules', '.nuxt', '.output', '.data', 'bench/results', 'test/**/.nuxt', 'test/**/.output'],
})
