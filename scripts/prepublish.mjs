// Prepares a release: makes the per-platform packages under npm/ match package.json and gives
// the main package its optionalDependencies on them.
//
//   node scripts/prepublish.mjs         (also run by `npm publish` as prepublishOnly)
//
// For each Rust target in package.json's `napi.targets`, the package npm/<platform>/ must exist
// and agree with the target (name, os, cpu, libc, main, files); its version is set to the main
// package's and the built binary `<binaryName>.<platform>.node` (from `npm run build`, or one
// built for that target elsewhere and copied into the package root) is copied into it. Then
// package.json gets `optionalDependencies` naming every platform package at exactly this
// version.
//
// The checkout's package.json has no optionalDependencies on purpose: the platform packages
// exist on the registry only once published, and a checkout builds its own binary. Listing them
// in the checkout would make every `npm install` of a checkout ask the registry for them, and
// install whatever someone else had published under those names. So they are added here, at
// publish time, as `napi prepublish` does. Publish every platform package before the main one:
//
//   npm run build && node scripts/prepublish.mjs
//   npm publish ./npm/linux-x64-gnu
//   npm publish
//
// The file changes this makes to package.json are for the published package only: do not
// commit them.
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Rust target triple -> napi-rs platform name and the npm `os`/`cpu`/`libc` fields. */
const PLATFORMS = {
  'x86_64-unknown-linux-gnu': { id: 'linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  'aarch64-unknown-linux-gnu': { id: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'x86_64-unknown-linux-musl': { id: 'linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  'aarch64-unknown-linux-musl': { id: 'linux-arm64-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function fail(message) {
  console.error(`prepublish: ${message}`);
  process.exit(1);
}

const pkgFile = join(root, 'package.json');
const pkg = readJson(pkgFile);
const { binaryName, targets } = pkg.napi ?? {};
if (typeof binaryName !== 'string' || !Array.isArray(targets) || targets.length === 0) {
  fail('package.json needs napi.binaryName and a non-empty napi.targets');
}

const optional = {};
const ids = [];
for (const target of targets) {
  const platform = PLATFORMS[target];
  if (!platform) fail(`unknown target ${target} (known: ${Object.keys(PLATFORMS).join(', ')})`);
  const { id, os, cpu, libc } = platform;
  ids.push(id);
  const dir = join(root, 'npm', id);
  const subFile = join(dir, 'package.json');
  if (!existsSync(subFile)) fail(`npm/${id}/package.json is missing (target ${target})`);
  const sub = readJson(subFile);
  const binary = `${binaryName}.${id}.node`;
  const expected = { name: `${pkg.name}-${id}`, os: [os], cpu: [cpu], libc: [libc], main: binary, files: [binary] };
  for (const [key, value] of Object.entries(expected)) {
    if (!same(sub[key], value)) fail(`npm/${id}/package.json: "${key}" must be ${JSON.stringify(value)}`);
  }
  for (const key of ['license', 'engines']) {
    if (!same(sub[key], pkg[key])) fail(`npm/${id}/package.json: "${key}" must equal the main package's`);
  }
  if (sub.version !== pkg.version) {
    sub.version = pkg.version;
    writeJson(subFile, sub);
    console.log(`prepublish: npm/${id} version -> ${pkg.version}`);
  }
  const built = join(root, binary);
  if (!existsSync(built)) fail(`${binary} is missing: build it for ${target} first (npm run build on that platform)`);
  copyFileSync(built, join(dir, binary));
  console.log(`prepublish: ${binary} -> npm/${id}/`);
  optional[sub.name] = pkg.version;
}

const stray = readdirSync(join(root, 'npm')).filter((d) => !ids.includes(d));
if (stray.length > 0) fail(`npm/ has packages for no target in napi.targets: ${stray.join(', ')}`);

if (!same(pkg.optionalDependencies, optional)) {
  pkg.optionalDependencies = optional;
  writeJson(pkgFile, pkg);
}
console.log(`prepublish: optionalDependencies ${JSON.stringify(optional)}`);
