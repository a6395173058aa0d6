// The package.json that goes into the tarball: the checkout's, without what only development
// uses. `npm pack` and `npm publish` run it twice, as the package's prepack and postpack scripts:
//
//   node scripts/pack-manifest.mjs trim      (prepack)   saves package.json aside, writes the trimmed one
//   node scripts/pack-manifest.mjs restore   (postpack)  puts the saved package.json back
//
// Why a script of ours: @napi-rs/cli prepares the platform packages and the optional
// dependencies (`napi pre-publish`), but it publishes the root package's package.json as it is,
// and npm has no setting that leaves fields out of a packed manifest. The checkout needs its
// scripts (`prepare` builds the Rust addon and the TypeScript on `npm install` of a clone); an
// installed package needs none of them (its binary comes prebuilt), and npm warns about a
// `prepare` script in a package it installs from a tarball.
//
// Trimming also drops the `prepare` npm would otherwise run while packing: build first
// (`npm install` or `npm run build`); `trim` refuses to pack a checkout that is not built.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fields of package.json that only development uses: left out of the packed package.json. */
export const DEVELOPMENT_ONLY = ['scripts', 'ava'];

/** What a packed package.json needs to have been built first. */
const BUILT = ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'index.d.ts'];

/** `pkg` as it is packed: without the DEVELOPMENT_ONLY fields. */
export function packedManifest(pkg) {
  const packed = { ...pkg };
  for (const field of DEVELOPMENT_ONLY) delete packed[field];
  return packed;
}

function fail(message) {
  console.error(`pack-manifest: ${message}`);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // npm runs lifecycle scripts in the package's folder.
  const dir = process.cwd();
  const file = join(dir, 'package.json');
  const saved = join(dir, '.package.json.unpacked');
  const mode = process.argv[2];
  if (mode === 'trim') {
    if (existsSync(saved)) {
      fail(`${saved} exists: an earlier pack did not finish. Check package.json, then delete it (or move it back over package.json).`);
    }
    const missing = BUILT.filter((f) => !existsSync(join(dir, f)));
    if (missing.length > 0) fail(`not built (${missing.join(', ')} missing): run npm run build first`);
    const text = readFileSync(file, 'utf8');
    renameSync(file, saved);
    writeFileSync(file, `${JSON.stringify(packedManifest(JSON.parse(text)), null, 2)}\n`);
  } else if (mode === 'restore') {
    if (!existsSync(saved)) fail(`${saved} is missing: nothing to restore`);
    renameSync(saved, file);
  } else {
    fail(`usage: node scripts/pack-manifest.mjs trim|restore (got ${mode})`);
  }
}
