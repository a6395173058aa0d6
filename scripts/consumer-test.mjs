// The package as a project gets it: packs the main package and the linux-x64-gnu platform
// package as `npm publish` would (scripts/prepublish.mjs in a copy of the checkout, then
// `npm pack`), checks what the tarballs hold, installs both into a new project in a temporary
// directory with no Rust toolchain on PATH, and there runs an ES module and a CommonJS script
// (Lock, Thread, Process, Queue, Pool; stdout must match exactly) and type-checks TypeScript
// files with `tsc --noEmit --strict` (this checkout's typescript and @types/node).
//
// Needs a built checkout (`npm install` builds it). Run by `npm test`; alone:
// `npm run test:consumer`. KEEP_CONSUMER_DIR=1 keeps the temporary directory.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strictTsconfig, TSC } from '../__test__/helpers/tsc.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, '__test__', 'consumer');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const PLATFORM = 'linux-x64-gnu';
const PLATFORM_PKG = `${PKG.name}-${PLATFORM}`;
const BINARY = `${PKG.napi.binaryName}.${PLATFORM}.node`;
const started = performance.now();

const say = (line) => console.log(`consumer: ${line}`);
let passed = 0;
let failed = 0;

/** Runs one check. A failed setup check (`setup`: the ones after it build on it) fails the
 * checks after it too. */
let broken = false;
function check(name, fn, { setup = true } = {}) {
  if (broken) {
    failed++;
    say(`✘ ${name} (not run: an earlier check failed)`);
    return;
  }
  try {
    const note = fn();
    passed++;
    say(`✔ ${name}${note ? `: ${note}` : ''}`);
  } catch (e) {
    failed++;
    broken ||= setup;
    say(`✘ ${name}`);
    console.error(String(e?.stack ?? e).replace(/^/gm, '    '));
  }
}

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

/** Runs a command; throws with its output unless it exits with status 0. */
function run(cmd, args, { cwd, env, timeout = 60_000 } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, timeout, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit status ${r.status}`;
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd ?? '.'}) failed: ${why}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return r;
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  say(`skipped: the consumer test installs the ${PLATFORM} package, and this is ${process.platform}-${process.arch}`);
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'native-threading-consumer-'));
const tarballs = join(tmp, 'tarballs');
const stage = join(tmp, 'stage');
const app = join(tmp, 'app');
mkdirSync(tarballs);

// ---------------------------------------------------------------------------------------------
// An environment without Rust: PATH directories that hold cargo or rustc are replaced by copies
// made of symbolic links to everything else in them.

const RUST_TOOL = /^(cargo|cargo-.*|rustc|rustdoc|rustup|rustfmt|rust-.*|clippy-driver)$/;
let env;
check('an environment without cargo and rustc on PATH', () => {
  const dirs = [];
  let shadowed = 0;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !existsSync(dir)) continue;
    let entries;
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    if (!entries.some((e) => RUST_TOOL.test(e))) {
      dirs.push(dir);
      continue;
    }
    const copy = join(tmp, `path-${++shadowed}`);
    mkdirSync(copy);
    for (const e of entries) if (!RUST_TOOL.test(e)) symlinkSync(join(dir, e), join(copy, e));
    dirs.push(copy);
  }
  env = { ...process.env, PATH: dirs.join(delimiter) };
  // Nothing of this checkout's own npm run, nor of a Rust toolchain, reaches the project.
  for (const key of Object.keys(env)) {
    if (/^(npm_(package_|lifecycle_|command$|execpath$|node_execpath$|config_local_prefix$|config_call$)|INIT_CWD$|CARGO|RUSTUP|RUSTC)/.test(key)) {
      delete env[key];
    }
  }
  const probe = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { env, encoding: 'utf8' });
  for (const tool of ['cargo', 'rustc']) {
    const r = probe(tool);
    assert(r.status !== 0 && r.stdout.trim() === '', `command -v ${tool} still finds ${r.stdout.trim()}`);
  }
  for (const tool of ['node', 'npm', 'tar']) assert(probe(tool).status === 0, `${tool} is not on the new PATH`);
  return `\`command -v cargo\` and \`command -v rustc\` fail (${shadowed} PATH folder(s) filtered)`;
});

// ---------------------------------------------------------------------------------------------
// The tarballs

/** The files the main package's tarball may hold: its metadata and the built JavaScript. */
const MAIN_ALLOWED = /^(package\.json|README\.md|LICENSE(\.md|\.txt)?|index\.d\.ts|dist\/index\.(js|mjs|d\.ts|d\.mts)|dist\/src\/[\w./-]+\.(js|d\.ts))$/;
const MAIN_REQUIRED = [
  'package.json',
  'README.md',
  'index.d.ts',
  'dist/index.js',
  'dist/index.mjs',
  'dist/index.d.ts',
  'dist/index.d.mts',
  'dist/src/runtime/native.js',
];
const FORBIDDEN = [
  [/\.rs$|^Cargo\.|^src-rs\//, 'Rust sources'],
  [/^target\//, 'the Rust target/ folder'],
  [/^__test__\/|\.test\.m?js$/, 'tests'],
  [/^examples\/|^dist\/examples\//, 'examples'],
  [/^bench\//, 'benchmarks'],
  [/\.node$/, 'a native binary (it comes in the platform package)'],
  [/^(src\/|index\.ts$)|(?<!\.d)\.m?ts$/, 'TypeScript sources'],
  [/\.map$/, 'source maps of sources that are not shipped'],
  [/^(node_modules|npm|scripts|\.ci|\.git)\//, 'development folders'],
];

function assertMainFiles(paths, where) {
  for (const p of paths) {
    for (const [re, what] of FORBIDDEN) assert(!re.test(p), `${where} holds ${what}: ${p}`);
    assert(MAIN_ALLOWED.test(p), `${where} holds an unexpected file: ${p}`);
  }
  for (const p of MAIN_REQUIRED) assert(paths.includes(p), `${where} lacks ${p}`);
}

/** `npm pack --json` in `dir`: { filename, size, unpackedSize, files }. */
function pack(dir, extra = []) {
  const r = run('npm', ['pack', '--json', '--ignore-scripts', ...extra], { cwd: dir, env });
  const [info] = JSON.parse(r.stdout);
  return { ...info, paths: info.files.map((f) => f.path).sort() };
}

let checkoutPaths;
check('the checkout packs only the built JavaScript, types and metadata (package.json "files")', () => {
  for (const f of ['dist/index.js', 'dist/index.mjs', BINARY]) {
    assert(existsSync(join(ROOT, f)), `${f} is missing: build the checkout first (npm install, or npm run build)`);
  }
  checkoutPaths = pack(ROOT, ['--dry-run']).paths;
  assertMainFiles(checkoutPaths, 'npm pack of the checkout');
  return `${checkoutPaths.length} files, no Rust sources, target/, tests, examples or binaries`;
});

let mainTgz;
let platformTgz;
check('a publish rehearsal (scripts/prepublish.mjs, npm pack) in a copy of the checkout', () => {
  const skip = new Set(['node_modules', 'target', '.git'].map((d) => join(ROOT, d)));
  const npmDir = join(ROOT, 'npm') + sep;
  cpSync(ROOT, stage, { recursive: true, filter: (src) => !skip.has(src) && !(src.startsWith(npmDir) && src.endsWith('.node')) });
  run(process.execPath, [join(stage, 'scripts', 'prepublish.mjs')], { cwd: stage, env });
  const main = pack(stage, ['--pack-destination', tarballs]);
  const platform = pack(join(stage, 'npm', PLATFORM), ['--pack-destination', tarballs]);
  mainTgz = join(tarballs, main.filename);
  platformTgz = join(tarballs, platform.filename);
  assertMainFiles(main.paths, main.filename);
  assert(
    JSON.stringify(main.paths) === JSON.stringify(checkoutPaths),
    `the published files differ from the checkout's: ${main.paths.filter((p) => !checkoutPaths.includes(p))} / ${checkoutPaths.filter((p) => !main.paths.includes(p))}`,
  );
  const platformFiles = ['README.md', BINARY, 'package.json'].sort();
  assert(JSON.stringify(platform.paths) === JSON.stringify(platformFiles), `${platform.filename} holds ${platform.paths.join(', ')}`);
  // The tarballs themselves, as npm will unpack them.
  const listed = run('tar', ['-tzf', mainTgz], { env }).stdout.trim().split('\n');
  assert(listed.every((p) => p.startsWith('package/')), 'every entry of the main tarball is under package/');
  assertMainFiles(listed.map((p) => p.slice('package/'.length)).filter((p) => p !== ''), `the entries of ${main.filename}`);
  const manifest = JSON.parse(run('tar', ['-xzOf', mainTgz, 'package/package.json'], { env }).stdout);
  assert(
    JSON.stringify(manifest.optionalDependencies) === JSON.stringify({ [PLATFORM_PKG]: PKG.version }),
    `the published package.json's optionalDependencies: ${JSON.stringify(manifest.optionalDependencies)}`,
  );
  const sub = JSON.parse(run('tar', ['-xzOf', platformTgz, 'package/package.json'], { env }).stdout);
  assert(sub.version === PKG.version && sub.name === PLATFORM_PKG, `${platform.filename}: ${sub.name}@${sub.version}`);
  for (const t of [main, platform]) {
    say(`  ${t.filename}: ${kB(t.size)} packed (${t.size} bytes), ${kB(t.unpackedSize)} unpacked, ${t.entryCount} files`);
  }
  return `optionalDependencies ${JSON.stringify(manifest.optionalDependencies)}`;
});

// ---------------------------------------------------------------------------------------------
// A new project

check('a new project installs both tarballs (no Rust on PATH)', () => {
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2)}\n`);
  for (const f of readdirSync(FIXTURES)) cpSync(join(FIXTURES, f), join(app, f));
  // --offline: everything comes from the two tarballs. (Online, npm would also look the
  // optional dependency's name up on the registry, where it exists only once published.)
  const args = ['install', '--offline', '--no-audit', '--no-fund', relative(app, mainTgz), relative(app, platformTgz)];
  run('npm', args, { cwd: app, env, timeout: 120_000 });
  const installed = join(app, 'node_modules', PKG.name);
  assert(existsSync(join(installed, 'dist', 'index.js')), `node_modules/${PKG.name} is not installed`);
  assert(existsSync(join(app, 'node_modules', PLATFORM_PKG, BINARY)), `node_modules/${PLATFORM_PKG}/${BINARY} is not installed`);
  assert(!readdirSync(installed).some((f) => f.endsWith('.node')), 'the main package must not hold a binary');
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  const entry = lock.packages[`node_modules/${PKG.name}`];
  assert(
    JSON.stringify(entry?.optionalDependencies) === JSON.stringify({ [PLATFORM_PKG]: PKG.version }),
    `the installed package's optionalDependencies: ${JSON.stringify(entry?.optionalDependencies)}`,
  );
  return `${PKG.name} loads its binary from ${PLATFORM_PKG}`;
});

const EXPECTED = (kind) =>
  [
    `module: ${kind}`,
    'threads: 10000 from 4 threads',
    'process: 10 20 30, its own pid: true, exitcode 0',
    'pool: 1 4 9',
    'lock released: true',
    '',
  ].join('\n');

for (const [file, kind] of [
  ['consumer.mjs', 'ES'],
  ['consumer.cjs', 'CommonJS'],
]) {
  check(`${file}: Lock, Thread, Process, Queue and Pool print what they should`, () => {
    const r = spawnSync('node', [file], { cwd: app, env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    const why = r.error ? r.error.message : `exit status ${r.status}${r.signal ? `, signal ${r.signal}` : ''}`;
    assert(r.status === 0, `node ${file}: ${why}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert(r.stdout === EXPECTED(kind), `node ${file} printed:\n${r.stdout}\nexpected:\n${EXPECTED(kind)}\nstderr:\n${r.stderr}`);
    assert(r.stderr === '', `node ${file} wrote to stderr:\n${r.stderr}`);
  }, { setup: false });
}

check('consumer.ts and consumer-esm.mts pass tsc --noEmit --strict against the installed types', () => {
  const types = join(ROOT, 'node_modules', '@types');
  assert(existsSync(TSC) && existsSync(join(types, 'node')), "typescript and @types/node are missing: run npm install in the checkout");
  const tsconfig = strictTsconfig(['consumer.ts', 'consumer-esm.mts'], { skipLibCheck: false, typeRoots: [types], types: ['node'] });
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const r = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json', '--strict', '--noEmit', '--listFiles'], {
    cwd: app,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const lines = r.stdout.split('\n');
  const errors = lines.filter((l) => l !== '' && !l.startsWith(sep)).join('\n');
  assert(r.status === 0, `tsc failed (${r.error?.message ?? `exit status ${r.status}`}):\n${errors}\n${r.stderr}`);
  // consumer.ts is CommonJS (the `require` types), consumer-esm.mts an ES module (the `import` types).
  for (const entry of ['index.d.ts', 'dist/index.d.mts']) {
    const own = join(app, 'node_modules', PKG.name, ...entry.split('/'));
    assert(lines.includes(own), `tsc did not take the types from node_modules/${PKG.name}/${entry}:\n${r.stdout}`);
  }
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
  return `TypeScript ${version}, types from node_modules/${PKG.name}/index.d.ts and dist/index.d.mts`;
}, { setup: false });

// ---------------------------------------------------------------------------------------------

if (failed === 0 && !process.env.KEEP_CONSUMER_DIR) rmSync(tmp, { recursive: true, force: true });
else say(`the project is kept in ${tmp}`);
say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`consumer: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
