// The native binary's loader (src/runtime/native.ts): a build in the package root (a checkout), else the
// platform package (an installed package); when no binary fits, a coded error that names this
// platform, the platforms with a prebuilt binary and what to do, never a bare MODULE_NOT_FOUND.
// Each case runs in a child Node process whose platform, CPU or C library is faked by a
// preloaded script, and, for the installed cases, on a copy of dist/ laid out as in a
// project's node_modules.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const NATIVE_X64 = process.platform === 'linux' && process.arch === 'x64';
const linuxX64 = NATIVE_X64 ? test : test.skip;

const tmp = mkdtempSync(join(tmpdir(), 'native-threading-loader-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

// Fakes process.platform / process.arch / the C library from the environment.
const FAKE = join(tmp, 'fake-platform.cjs');
writeFileSync(
  FAKE,
  `if (process.env.FAKE_PLATFORM) Object.defineProperty(process, 'platform', { value: process.env.FAKE_PLATFORM });
if (process.env.FAKE_ARCH) Object.defineProperty(process, 'arch', { value: process.env.FAKE_ARCH });
if (process.env.FAKE_LIBC === 'musl') process.report.getReport = () => ({ header: {} });
`,
);

/** Loads the package entry `entry` in a child and reports what happened as JSON. */
function probe(entry, env = {}) {
  const code = `
    const out = (v) => process.stdout.write(JSON.stringify(v));
    const report = (e) => out({ ok: false, name: e.name, code: e.code, message: e.message, causeCode: e.cause?.code ?? null });
    const use = (nt) => { const lock = new nt.Lock(); out({ ok: true, acquired: lock.acquire(false), locked: lock.locked() }); };
    if (${JSON.stringify(entry)}.endsWith('.mjs')) import(${JSON.stringify(entry)}).then(use, report);
    else { let nt; try { nt = require(${JSON.stringify(entry)}); } catch (e) { report(e); } if (nt) use(nt); }
  `;
  const childEnv = { ...process.env, ...env };
  delete childEnv.NODE_PATH;
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', FAKE, '-e', code], { env: childEnv, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`the probe printed no result (${error?.message ?? 'exit 0'})\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

/** A copy of the package as npm installs it: <dir>/node_modules/native-threading (no binary). */
let installs = 0;
function installedCopy() {
  const dir = join(tmp, `project-${++installs}`);
  const pkgDir = join(dir, 'node_modules', PKG.name);
  mkdirSync(pkgDir, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkgDir, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(pkgDir, 'dist'), {
    recursive: true,
    filter: (src) => !src.startsWith(join(ROOT, 'dist', 'examples')) && !src.endsWith('.map'),
  });
  return { dir, entry: join(pkgDir, 'dist', 'index.js') };
}

/** Adds the platform package (npm/linux-x64-gnu with the built binary) to the project. */
function addPlatformPackage(dir, { version, binary } = {}) {
  const id = 'linux-x64-gnu';
  const target = join(dir, 'node_modules', `${PKG.name}-${id}`);
  mkdirSync(target, { recursive: true });
  const sub = JSON.parse(readFileSync(join(ROOT, 'npm', id, 'package.json'), 'utf8'));
  writeFileSync(join(target, 'package.json'), JSON.stringify({ ...sub, version: version ?? sub.version }));
  const file = join(target, sub.main);
  if (binary === undefined) cpSync(join(ROOT, sub.main), file);
  else writeFileSync(file, binary);
}

function assertHelpful(t, r, code, platform) {
  t.false(r.ok, 'loading must fail');
  t.is(r.code, code, r.message);
  t.is(r.name, 'Error');
  t.not(r.code, 'MODULE_NOT_FOUND');
  t.true(r.message.includes(`(${platform})`), `names the platform ${platform}: ${r.message}`);
  t.true(r.message.includes('Prebuilt binaries exist for: linux-x64-gnu'), `names the supported platforms: ${r.message}`);
  t.false(r.message.startsWith('Cannot find module'), r.message);
}

// ---------------------------------------------------------------------------------------------
// Unsupported platforms

for (const [platform, arch] of [
  ['darwin', 'arm64'],
  ['darwin', 'x64'],
  ['win32', 'x64'],
  ['freebsd', 'x64'],
]) {
  test(`${platform}-${arch}: unsupported, with the platform, the supported ones and what to do`, async (t) => {
    for (const entry of [join(ROOT, 'dist', 'index.js'), join(ROOT, 'dist', 'index.mjs')]) {
      const r = await probe(entry, { FAKE_PLATFORM: platform, FAKE_ARCH: arch });
      assertHelpful(t, r, 'ERR_NATIVE_THREADING_UNSUPPORTED_PLATFORM', `${platform}-${arch}`);
      t.regex(r.message, /needs Linux/);
      t.regex(r.message, /Linux container or virtual machine/);
    }
  });
}

test('Linux on arm64 without a build of its own: unsupported, build from source', async (t) => {
  const r = await probe(join(ROOT, 'dist', 'index.js'), { FAKE_ARCH: 'arm64' });
  assertHelpful(t, r, 'ERR_NATIVE_THREADING_UNSUPPORTED_PLATFORM', 'linux-arm64-gnu');
  t.regex(r.message, /build it from source/);
  t.regex(r.message, /cargo/);
  t.regex(r.message, /npm install <folder>/);
});

linuxX64('Linux x64 with musl (an installed package): unsupported, not "package missing"', async (t) => {
  const { entry } = installedCopy();
  const r = await probe(entry, { FAKE_LIBC: 'musl' });
  assertHelpful(t, r, 'ERR_NATIVE_THREADING_UNSUPPORTED_PLATFORM', 'linux-x64-musl');
  t.regex(r.message, /build it from source/);
  t.is(r.causeCode, 'MODULE_NOT_FOUND', 'the failed lookup of the glibc package is the cause');
});

// ---------------------------------------------------------------------------------------------
// The supported platform

linuxX64('a checkout loads the binary built in the package root', async (t) => {
  const r = await probe(join(ROOT, 'dist', 'index.js'));
  t.deepEqual(r, { ok: true, acquired: true, locked: true });
});

linuxX64('an installed package loads its platform package', async (t) => {
  const { dir, entry } = installedCopy();
  addPlatformPackage(dir);
  t.deepEqual(await probe(entry), { ok: true, acquired: true, locked: true });
  t.deepEqual(await probe(entry.replace(/\.js$/, '.mjs')), { ok: true, acquired: true, locked: true });
});

linuxX64('an installed package without its platform package: the package is named, and how to get it', async (t) => {
  const { entry } = installedCopy();
  for (const e of [entry, entry.replace(/\.js$/, '.mjs')]) {
    const r = await probe(e);
    assertHelpful(t, r, 'ERR_NATIVE_THREADING_BINARY_MISSING', 'linux-x64-gnu');
    t.true(r.message.includes(`package ${PKG.name}-linux-x64-gnu`), r.message);
    t.regex(r.message, /--omit=optional/);
    t.true(r.message.includes(`npm install ${PKG.name}-linux-x64-gnu@${PKG.version}`), r.message);
    t.is(r.causeCode, 'MODULE_NOT_FOUND');
  }
});

linuxX64('a platform package of another version is refused', async (t) => {
  const { dir, entry } = installedCopy();
  addPlatformPackage(dir, { version: '0.0.0-other' });
  const r = await probe(entry);
  t.false(r.ok);
  t.is(r.code, 'ERR_NATIVE_THREADING_VERSION_MISMATCH');
  t.true(r.message.includes(`${PKG.name}-linux-x64-gnu@${PKG.version}`), r.message);
  t.true(r.message.includes('0.0.0-other'), r.message);
});

linuxX64('a platform package whose binary does not load: the error says which, and why', async (t) => {
  const { dir, entry } = installedCopy();
  addPlatformPackage(dir, { binary: 'not a shared object' });
  const r = await probe(entry);
  assertHelpful(t, r, 'ERR_NATIVE_THREADING_LOAD_FAILED', 'linux-x64-gnu');
  t.regex(r.message, /could not be loaded/);
  t.regex(r.message, /invalid ELF header|file too short/);
});

// ---------------------------------------------------------------------------------------------
// The platform list agrees everywhere

test("the loader's prebuilt platforms are package.json's napi.targets and the packages under npm/", async (t) => {
  const r = await probe(join(ROOT, 'dist', 'index.js'), { FAKE_PLATFORM: 'darwin' });
  const listed = r.message.match(/Prebuilt binaries exist for: ([^(]+) \(/)[1].split(', ').sort();
  const TRIPLE_TO_ID = { 'x86_64-unknown-linux-gnu': 'linux-x64-gnu', 'aarch64-unknown-linux-gnu': 'linux-arm64-gnu' };
  const fromTargets = PKG.napi.targets.map((triple) => TRIPLE_TO_ID[triple] ?? triple).sort();
  t.deepEqual(listed, fromTargets);
  t.deepEqual(readdirSync(join(ROOT, 'npm')).sort(), fromTargets);
  for (const id of fromTargets) {
    const sub = JSON.parse(readFileSync(join(ROOT, 'npm', id, 'package.json'), 'utf8'));
    t.is(sub.name, `${PKG.name}-${id}`);
    t.is(sub.version, PKG.version, `npm/${id} has the main package's version`);
    t.is(sub.main, `${PKG.napi.binaryName}.${id}.node`);
    t.deepEqual(sub.files, [sub.main]);
    t.deepEqual(sub.engines, PKG.engines);
    t.is(sub.license, PKG.license);
  }
  t.is(PKG.optionalDependencies, undefined, 'optionalDependencies are added at publish time (napi pre-publish)');
});
