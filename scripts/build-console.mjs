#!/usr/bin/env node
// Builds the web console (console/) into dist/console: one ES module bundle with Preact and dagre, the
// stylesheet and index.html. Nothing is fetched at run time; the mesh serves these files at /_kne/ui/.
import {copyFileSync, mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'console')
mkdirSync(out, {recursive: true})
await build({
  entryPoints: [join(root, 'console', 'src', 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
})
for (const file of ['index.html', 'app.css']) copyFileSync(join(root, 'console', file), join(out, file))
