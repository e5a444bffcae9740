// Build step: dist/berthd.mjs, berthd and its pure-JS dependencies in one ES
// module. Node 20 loads each ES module through its asynchronous loader; one
// file instead of ~600 (berth's own, fastify's, ajv's, execa's …) takes about
// a third off the time from launch to the first answered request. Behaviour
// is the same code as dist/src/main.js: the bundle is built from tsc's output.
// Native addons (better-sqlite3, node-unix-socket) stay in node_modules.
//
// V8 keeps a module's whole source text in the heap for as long as the
// process lives (functions are compiled lazily from it), so the bundle's size
// is idle memory: it is minified (whitespace and syntax; names are kept, so
// stack traces stay readable) and pure ASCII, which V8 stores one byte per
// character instead of two. Together about 4 MiB of berthd's idle RSS.
//
// For the same reason the bundle is split (esbuild's ESM code splitting): a
// module berth loads with a dynamic import() (the classic builder, the
// registry client, execa, node-tar, `berthd check`: src/engine/on-demand.ts
// and its siblings) goes into a file of its own, dist/berthd-chunk-*.mjs,
// which node reads only at that import; code both sides share goes into a
// shared chunk. dist/berthd.mjs stays the one entry point every launcher
// runs. Chunks sit beside it, in dist/, because code that finds files
// relative to its own module (the spawn helper, the package root) may end
// up in a chunk.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const dist = join(root, 'dist');
const chunkPrefix = 'berthd-chunk-';
// Chunk names carry a content hash: drop the previous build's.
for (const f of readdirSync(dist).filter((f) => f.startsWith(chunkPrefix))) rmSync(join(dist, f));

const result = await build({
  entryPoints: { berthd: join(dist, 'src', 'main.js') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: `${chunkPrefix}[name]-[hash]`,
  metafile: true,
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['better-sqlite3', 'node-unix-socket', 'koffi'],
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as berthCreateRequire } from 'node:module'; const require = berthCreateRequire(import.meta.url);" },
  // Stack traces map back to the TypeScript with `node --enable-source-maps`.
  sourcemap: true,
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  // esbuild escapes strings, templates and identifiers, but not regular expression literals.
  charset: 'ascii',
  logLevel: 'warning',
});

for (const out of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.mjs'))) {
  const bytes = readFileSync(join(root, out));
  const at = bytes.findIndex((b) => b > 0x7f);
  if (at >= 0) {
    const where = JSON.stringify(bytes.subarray(Math.max(0, at - 60), at + 20).toString('utf8'));
    throw new Error(`${out} must be ASCII (V8 would keep its source at two bytes per character); write the character as an escape in the source: ${where}`);
  }
}

// berthd's spawn helper (src/engine/host/spawner.ts) runs as its own node
// process, found beside the module that starts it: beside dist/berthd.mjs
// here, as beside dist/src/engine/host/spawner.js in tsc's output.
await build({
  entryPoints: [join(root, 'dist', 'src', 'engine', 'host', 'spawn-helper.js')],
  outfile: join(root, 'dist', 'spawn-helper.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
});
