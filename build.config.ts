import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  // module.ts validates the tables option at build time with the same check the runtime stores use; the import
  // stays a relative import of the shipped runtime file, not a package dependency.
  externals: [/[/\\]runtime[/\\]core[/\\]validate\.js$/],
})
