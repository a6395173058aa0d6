// The package as a project gets it. In a copy of the checkout, rehearses a release with
// @napi-rs/cli's own steps, offline: `napi create-npm-dirs` must give the npm/ folder as it is
// committed, `npm version` (whose `version` script is `napi version`) bumps every package,
// `napi artifacts` puts the binary into its platform package, and the `prepublishOnly` script
// (`napi pre-publish`) runs as a dry run and then without publishing the platform packages;
// `npm pack` then packs both packages as `npm publish` would (with prepack/postpack). It checks
// what the tarballs hold, runs arethetypeswrong on the main one, installs both into a new project
// in a temporary directory with no Rust toolchain on PATH, and there runs an ES module and a
// CommonJS script (Lock, Thread, Process, Queue, Pool; stdout must match exactly) and
// type-checks TypeScript files with `tsc --noEmit --strict` (this checkout's typescript and
// @types/node).
//
// Everything runs on the Node.js that runs this script (its folder goes first on PATH, for npm
// and the project's scripts), so scripts/test-node-versions.mjs runs it on each tested version.
// Needs a built checkout (`npm install` builds it). Run by `npm test`; alone:
// `npm run test:consumer`. KEEP_CONSUMER_DIR=1 keeps the temporary directory.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strictTsconfig, TSC } from '../__test__/helpers/tsc.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, '__test__', 'consumer');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const PLATFORM = 'linux-x64-gnu';
const PLATFORM_PKG = `${PKG.name}-${PLATFORM}`;
const BINARY = `${PKG.napi.binaryName}.${PLATFORM}.node`;
/** The version the rehearsal releases: this one, as a pre-release, so that the bump shows. */
const VERSION = `${PKG.version}-rehearsal.0`;
const NAPI = join(ROOT, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');
const ATTW = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
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
  const t0 = performance.now();
  try {
    const note = fn();
    passed++;
    say(`✔ ${name}${note ? `: ${note}` : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
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
  const dirs = [dirname(process.execPath)];
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
  for (const tool of ['node', 'npm', 'tar', 'git']) assert(probe(tool).status === 0, `${tool} is not on the new PATH`);
  const node = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  assert(node === process.version, `node on the new PATH is ${node}, not ${process.version}`);
  return `\`command -v cargo\` and \`command -v rustc\` fail (${shadowed} PATH folder(s) filtered); node ${node}`;
});

// ---------------------------------------------------------------------------------------------
// The tarballs

/** The files the main package's tarball may hold: its metadata and the built JavaScript. */
const MAIN_ALLOWED = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE(\.md|\.txt)?|index\.d\.ts|distributed\/package\.json|dist\/index\.(js|mjs|d\.ts|d\.mts)|dist\/src\/[\w./-]+\.(js|d\.ts))$/;
const MAIN_REQUIRED = [
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
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

/** `npm pack --json` in `dir` (with the package's scripts when `scripts`): { filename, size, unpackedSize, files }. */
function pack(dir, extra = [], { scripts = false } = {}) {
  const r = run('npm', ['pack', '--json', ...(scripts ? [] : ['--ignore-scripts']), ...extra], { cwd: dir, env });
  // npm prints the scripts' output before the JSON.
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[\n')));
  return { ...info, paths: info.files.map((f) => f.path).sort() };
}

/** Runs @napi-rs/cli in the staged copy. */
function napi(args) {
  return run(process.execPath, [NAPI, ...args], { cwd: stage, env });
}

/** Runs a script of the staged package.json, one that must be a `napi` command, with `extra` arguments. */
function napiScript(name, extra = []) {
  const line = PKG.scripts[name];
  assert(/^napi [\w-]+/.test(line ?? ''), `package.json's ${name} script is not a napi command: ${line}`);
  return run('npm', ['run', '--silent', name, ...(extra.length > 0 ? ['--', ...extra] : [])], { cwd: stage, env });
}

/** Asserts that folders `a` and `b` hold the same files with the same contents. */
function sameTree(a, b, what) {
  const list = (dir) => readdirSync(dir, { recursive: true }).filter((f) => !statSync(join(dir, f)).isDirectory()).sort();
  const [left, right] = [list(a), list(b)];
  assert(JSON.stringify(left) === JSON.stringify(right), `${what}: files ${right.join(', ')}, committed ${left.join(', ')}`);
  for (const f of left) {
    const [x, y] = [readFileSync(join(a, f), 'utf8'), readFileSync(join(b, f), 'utf8')];
    assert(x === y, `${what}: ${f} differs from the committed one:\n${y}\ncommitted:\n${x}`);
  }
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
check('the release steps of @napi-rs/cli in a copy of the checkout (offline), then npm pack', () => {
  const skip = new Set(['node_modules', 'target', '.git', '.node-versions', 'artifacts'].map((d) => join(ROOT, d)));
  cpSync(ROOT, stage, { recursive: true, filter: (src) => !skip.has(src) && !src.endsWith('.node') && !src.endsWith('.tgz') });
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'));
  // The version step (`npm version`) runs the package's `version` script, which stages npm/ in git.
  const git = (...args) => run('git', ['-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@localhost', ...args], { cwd: stage, env });
  git('init', '-q');
  const npmDir = join(stage, 'npm');
  // npm/: what `napi create-npm-dirs` makes of package.json, nothing edited by hand.
  rmSync(npmDir, { recursive: true });
  napi(['create-npm-dirs']);
  sameTree(join(ROOT, 'npm'), npmDir, 'npm/ (napi create-npm-dirs)');
  // A version bump: `napi version` (the `version` script) gives every platform package the new version.
  git('add', '-A');
  git('commit', '-q', '--no-gpg-sign', '-m', 'before the release');
  run('npm', ['version', VERSION, '--no-git-tag-version'], { cwd: stage, env });
  const staged = JSON.parse(readFileSync(join(npmDir, PLATFORM, 'package.json'), 'utf8'));
  assert(staged.version === VERSION, `npm version ${VERSION} left npm/${PLATFORM} at ${staged.version}`);
  const added = git('diff', '--cached', '--name-only').stdout.trim();
  assert(added === `npm/${PLATFORM}/package.json`, `the version script staged: ${added}`);
  // The binaries, as the build jobs upload them: `napi artifacts` puts each in its package.
  mkdirSync(join(stage, 'artifacts', `bindings-${PKG.napi.targets[0]}`), { recursive: true });
  cpSync(join(ROOT, BINARY), join(stage, 'artifacts', `bindings-${PKG.napi.targets[0]}`, BINARY));
  napiScript('artifacts');
  assert(existsSync(join(npmDir, PLATFORM, BINARY)), `napi artifacts did not put ${BINARY} into npm/${PLATFORM}`);
  // prepublishOnly is `napi pre-publish`: its dry run checks the platform packages; then, without
  // publishing them (--skip-optional-publish), it writes the optionalDependencies.
  napiScript('prepublishOnly', ['--dry-run']);
  napiScript('prepublishOnly', ['--skip-optional-publish']);
  const before = readFileSync(join(stage, 'package.json'), 'utf8');
  // Packed with the package's scripts: prepack trims package.json, postpack puts it back.
  const main = pack(stage, ['--pack-destination', tarballs], { scripts: true });
  const platform = pack(join(npmDir, PLATFORM), ['--pack-destination', tarballs]);
  assert(readFileSync(join(stage, 'package.json'), 'utf8') === before, 'postpack did not restore package.json');
  assert(!existsSync(join(stage, '.package.json.unpacked')), 'postpack left .package.json.unpacked');
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
    JSON.stringify(manifest.optionalDependencies) === JSON.stringify({ [PLATFORM_PKG]: VERSION }),
    `the published package.json's optionalDependencies: ${JSON.stringify(manifest.optionalDependencies)}`,
  );
  assert(manifest.scripts === undefined && manifest.ava === undefined, `the published package.json keeps ${Object.keys(manifest.scripts ?? {})} ${manifest.ava ? 'ava' : ''}`);
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'types', 'exports', 'engines', 'license']) {
    assert(JSON.stringify(manifest[field]) === JSON.stringify(PKG[field]), `the published package.json's ${field}: ${JSON.stringify(manifest[field])}`);
  }
  const sub = JSON.parse(run('tar', ['-xzOf', platformTgz, 'package/package.json'], { env }).stdout);
  assert(sub.version === VERSION && sub.name === PLATFORM_PKG, `${platform.filename}: ${sub.name}@${sub.version}`);
  for (const t of [main, platform]) {
    say(`  ${t.filename}: ${kB(t.size)} packed (${t.size} bytes), ${kB(t.unpackedSize)} unpacked, ${t.entryCount} files`);
  }
  return `create-npm-dirs, version, artifacts, pre-publish (dry run, then without publishing); published scripts: none; optionalDependencies ${JSON.stringify(manifest.optionalDependencies)}`;
});

check('arethetypeswrong finds no problem in the packed package (node10, node16 CJS and ESM, bundler)', () => {
  // Into a file: attw exits right after writing, which cuts output to a pipe at 64 KiB.
  const out = join(tmp, 'attw.json');
  const fd = openSync(out, 'w');
  let r;
  try {
    r = spawnSync(process.execPath, [ATTW, '--no-definitely-typed', '--format', 'json', mainTgz], {
      env,
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
  } finally {
    closeSync(fd);
  }
  let report;
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    throw new Error(`attw did not write a report (${r.error?.message ?? `exit status ${r.status}`}):\n${readFileSync(out, 'utf8').slice(0, 4000)}\n${r.stderr}`);
  }
  const problems = report.analysis?.problems ?? [];
  assert(r.status === 0 && problems.length === 0, `attw reports: ${JSON.stringify(problems, null, 2)}\n${r.stderr}`);
  const resolutions = report.analysis.entrypoints['.'].resolutions;
  const types = {};
  for (const kind of ['node10', 'node16-cjs', 'node16-esm', 'bundler']) {
    types[kind] = resolutions[kind]?.resolution?.fileName?.replace(`/node_modules/${PKG.name}/`, '');
  }
  const expected = { node10: 'index.d.ts', 'node16-cjs': 'index.d.ts', 'node16-esm': 'dist/index.d.mts', bundler: 'dist/index.d.mts' };
  assert(JSON.stringify(types) === JSON.stringify(expected), `the types each resolution finds: ${JSON.stringify(types)}`);
  return Object.entries(types).map(([k, f]) => `${k} -> ${f}`).join(', ');
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
  const installed = run('npm', args, { cwd: app, env, timeout: 120_000 });
  // A packed package.json with a `prepare` script made npm warn about install scripts here.
  const warnings = `${installed.stdout}${installed.stderr}`.split('\n').filter((l) => /warn/i.test(l));
  assert(warnings.length === 0, `npm install warned:\n${warnings.join('\n')}`);
  const pkgDir = join(app, 'node_modules', PKG.name);
  assert(existsSync(join(pkgDir, 'dist', 'index.js')), `node_modules/${PKG.name} is not installed`);
  assert(existsSync(join(app, 'node_modules', PLATFORM_PKG, BINARY)), `node_modules/${PLATFORM_PKG}/${BINARY} is not installed`);
  assert(!readdirSync(pkgDir).some((f) => f.endsWith('.node')), 'the main package must not hold a binary');
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  const entry = lock.packages[`node_modules/${PKG.name}`];
  assert(
    JSON.stringify(entry?.optionalDependencies) === JSON.stringify({ [PLATFORM_PKG]: VERSION }),
    `the installed package's optionalDependencies: ${JSON.stringify(entry?.optionalDependencies)}`,
  );
  return `${PKG.name} loads its binary from ${PLATFORM_PKG}; npm printed no warning`;
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
