// Builds the web console (console/src) into dist/console with esbuild: hashed, minified bundles under assets/ and
// an index.html that loads them (no inline script or style: the server's Content-Security-Policy forbids them).
// `npm run build` runs this; it needs nothing beyond node_modules.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = join(here, '..', 'dist', 'console');

export async function buildConsole(outDir = OUT_DIR) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`console build produced no script or stylesheet: ${outputs.join(', ')}`);
  const html = readFileSync(join(here, 'src', 'index.html'), 'utf8')
    .replace('%SCRIPT%', `assets/${js}`)
    .replace('%STYLE%', `assets/${css}`);
  writeFileSync(join(outDir, 'index.html'), html);
  writeFileSync(join(outDir, 'favicon.svg'), readFileSync(join(here, 'src', 'favicon.svg')));
  return { outDir, files: ['index.html', 'favicon.svg', ...outputs.map((f) => `assets/${f}`)] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outDir, files } = await buildConsole();
  console.log(`console: ${files.length} files in ${outDir}`);
}
