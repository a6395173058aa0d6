// Writes the package's entry points around the compiled CommonJS build (dist/index.js), after
// `tsc` (`npm run build:ts` runs it):
//
//   dist/index.mjs    the ES module entry: re-exports the CommonJS build, so both module systems
//                     share one instance of the library (one thread registry, one set of classes)
//   dist/index.d.mts  its types, for the `import` condition: the same declarations, as an ES module
//   index.d.ts        the types of the `require` condition and of `types`, beside index.ts as in
//                     the napi-rs layout: dist/index.d.ts with its paths made relative to the root
//
// index.d.ts is tracked: it lists the public API, and a test checks that it is what this script
// makes of the current build.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** dist/index.mjs for the CommonJS entry's export names. */
export function esmEntry(names) {
  const exported = names.filter((n) => n !== 'default' && n !== '__esModule');
  return ["import cjs from './index.js';", `export const { ${exported.join(', ')} } = cjs;`, 'export default cjs;', ''].join('\n');
}

/** dist/index.d.mts: the declarations of dist/index.d.ts, seen from an ES module. */
export function esmTypes() {
  return [
    '// The types of dist/index.mjs, which re-exports the CommonJS entry.',
    "import cjs from './index.js';",
    "export * from './index.js';",
    'export default cjs;',
    '',
  ].join('\n');
}

/** index.d.ts: `distTypes` (the text of dist/index.d.ts) with its relative paths into dist/. */
export function typeEntry(distTypes) {
  const body = distTypes.replace(/(\bfrom\s+|\bimport\s*\(\s*)(['"])\.\/([^'"]+)\2/g, '$1$2./dist/$3$2');
  return [
    '// The types of the package (`types`, and the `require` condition of `exports`).',
    '// Written by `npm run build` (scripts/write-entries.mjs) from dist/index.d.ts: do not edit.',
    body.endsWith('\n') ? body : `${body}\n`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = Object.keys(require('../dist/index.js'));
  writeFileSync(`${ROOT}dist/index.mjs`, esmEntry(names));
  writeFileSync(`${ROOT}dist/index.d.mts`, esmTypes());
  writeFileSync(`${ROOT}index.d.ts`, typeEntry(readFileSync(`${ROOT}dist/index.d.ts`, 'utf8')));
}
