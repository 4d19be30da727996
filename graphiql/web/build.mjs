// Builds the GraphiQL bundle into ../dist (index.js, index.css) for the Go package to embed.
//
//   npm ci && npm run build
//
// The output is self-contained: no CDN, no web workers, fonts inlined by graphiql's CSS.
// dist/.gitkeep stays so that `//go:embed all:dist` compiles on a fresh clone.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const outdir = join(here, '..', 'dist');
const keep = new Set(['.gitkeep']);

for (const name of await readdir(outdir).catch(() => [])) {
  if (!keep.has(name)) {
    await rm(join(outdir, name), { recursive: true, force: true });
  }
}

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { index: 'src/main.jsx' },
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  charset: 'utf8',
  define: { 'process.env.NODE_ENV': '"production"' },
  // graphiql's CSS inlines its fonts as data: URIs; should a later version reference
  // files instead, they are copied next to the bundle rather than fetched from elsewhere.
  loader: {
    '.woff2': 'file',
    '.woff': 'file',
    '.ttf': 'file',
    '.svg': 'file',
    '.png': 'file',
  },
  assetNames: '[name]-[hash]',
  logLevel: 'warning',
  metafile: true,
});

for (const file of Object.keys(result.metafile.outputs).sort()) {
  const { size } = await stat(join(here, file));
  console.log(`${file}  ${(size / 1024).toFixed(0)} KiB`);
}
