// The package's entry points: the top-level index.d.ts is the build's declarations (as
// scripts/write-entries.mjs makes them), `exports` gives `import` and `require` each their own
// JavaScript and types, and the types declare exactly the values the JavaScript exports.
// (scripts/consumer-test.mjs checks the packed package with arethetypeswrong and tsc.)
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import ts from 'typescript';
import { esmEntry, esmTypes, typeEntry } from '../scripts/write-entries.mjs';
import { DEVELOPMENT_ONLY, packedManifest } from '../scripts/pack-manifest.mjs';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const read = (file) => readFileSync(join(ROOT, file), 'utf8');

test('index.d.ts beside index.ts is the build: dist/index.d.ts with its paths into dist/', (t) => {
  t.is(read('index.d.ts'), typeEntry(read('dist/index.d.ts')), 'index.d.ts is stale: run npm run build and commit index.d.ts');
  t.regex(read('index.d.ts'), /^export \{ Lock \} from '\.\/dist\/src\/sync\/lock';$/m);
  t.notRegex(read('index.d.ts'), /from '\.\/src\//);
});

test('dist/index.mjs and dist/index.d.mts are what the build writes', (t) => {
  t.is(read('dist/index.mjs'), esmEntry(Object.keys(require('../dist/index.js'))));
  t.is(read('dist/index.d.mts'), esmTypes());
});

test("package.json: `types` and each condition of `exports` name their own JavaScript and types, and they exist", (t) => {
  t.is(PKG.types, 'index.d.ts');
  t.is(PKG.main, 'dist/index.js');
  t.deepEqual(PKG.exports['.'], {
    import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
    require: { types: './index.d.ts', default: './dist/index.js' },
  });
  for (const file of [PKG.types, PKG.main, ...Object.values(PKG.exports['.']).flatMap((c) => Object.values(c))]) {
    t.true(existsSync(join(ROOT, file)), file);
    t.true(PKG.files.includes(file.replace(/^\.\//, '')), `package.json "files" lists ${file}`);
  }
});

/** The value (not type-only) exports that TypeScript sees in `file`, resolved as `mode` would. */
function declaredValues(file, module) {
  const options = { module, moduleResolution: module, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, types: [] };
  const program = ts.createProgram([join(ROOT, file)], options);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(ROOT, file));
  const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(source));
  const values = symbols.filter((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    return (target.flags & ts.SymbolFlags.Value) !== 0;
  });
  return values.map((s) => s.name).sort();
}

test('the types declare exactly the values the JavaScript exports, for require and for import', async (t) => {
  const cjs = Object.keys(require('../dist/index.js')).sort();
  t.deepEqual(declaredValues('index.d.ts', ts.ModuleKind.Node16), cjs);
  const esm = Object.keys(await import('../dist/index.mjs')).sort();
  t.deepEqual(declaredValues('dist/index.d.mts', ts.ModuleKind.Node16), esm);
  t.deepEqual(esm, [...cjs, 'default'].sort());
});

test('the packed package.json leaves out scripts and the test configuration, and keeps the rest', (t) => {
  const packed = packedManifest(PKG);
  t.deepEqual(DEVELOPMENT_ONLY, ['scripts', 'ava']);
  t.is(packed.scripts, undefined);
  t.is(packed.ava, undefined);
  t.is(PKG.scripts.prepare, 'npm run build', 'a clone still builds on npm install');
  t.is(PKG.scripts.prepack, 'node scripts/pack-manifest.mjs trim');
  t.is(PKG.scripts.postpack, 'node scripts/pack-manifest.mjs restore');
  for (const field of ['name', 'version', 'description', 'keywords', 'homepage', 'bugs', 'repository', 'license', 'main', 'types', 'exports', 'files', 'engines', 'napi', 'dependencies']) {
    t.deepEqual(packed[field], PKG[field], field);
  }
  for (const field of ['repository', 'homepage', 'bugs', 'keywords']) t.truthy(PKG[field], field);
});
