// Loads the native addon once per thread and maps the shared arena into this thread.
//
// Where the binary comes from: in a checkout, the one `npm run build` left in the package root
// (native-threading.<platform>.node); in an installed package, the platform package that npm
// installed as an optional dependency (native-threading-<platform>, its `os`/`cpu`/`libc`
// fields pick the one for this machine). When none fits, the error names this platform, the
// platforms with a prebuilt binary, and what to do.
import type { NativeBinding } from 'native-threading/binding';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { coded, withCause } from './errors';
import { Block } from './layout';

export { Kind, Op } from './layout';

const NAME = 'native-threading';
/** Platforms (napi-rs names) with a prebuilt binary package: package.json `napi.targets`. */
const PREBUILT = ['linux-x64-gnu'];
/** The package root: this file is dist/src/runtime/native.js. */
const ROOT = join(__dirname, '..', '..', '..');

/** Linux's C library as napi-rs names it. Costs a few ms: only used when loading failed. */
function linuxLibc(): 'gnu' | 'musl' {
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return report?.header?.glibcVersionRuntime ? 'gnu' : 'musl';
  } catch {
    return 'gnu';
  }
}

function version(file: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(file) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

const supported = (): string =>
  `Prebuilt binaries exist for: ${PREBUILT.join(', ')} (Linux on x86-64 with glibc, Node.js >= 20).`;

function unsupported(platform: string, cause?: unknown): Error {
  const what = platform.startsWith('linux-')
    ? 'On another Linux, build it from source (untested there): clone the repository, run `npm install` in it ' +
      '(it builds the addon and needs a Rust toolchain: cargo), then install that folder in your project ' +
      '(`npm install <folder>`).'
    : `${NAME} needs Linux (its core is built on Linux system calls: futex, memfd_create, pidfd_open); ` +
      'use it on Linux, e.g. in a Linux container or virtual machine.';
  const err = coded(
    Error,
    'ERR_NATIVE_THREADING_UNSUPPORTED_PLATFORM',
    `${NAME} has no native binary for this platform (${platform}). ${supported()} ${what}`,
  );
  return cause === undefined ? err : withCause(err, cause);
}

/** Whether `e` is the failure to find package `pkg` itself (not a module that it requires). */
function isNotFound(e: unknown, pkg: string): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${pkg}'`);
}

function loadFile(file: string, platform: string, from: string): NativeBinding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as NativeBinding;
  } catch (e) {
    throw withCause(
      coded(Error, 'ERR_NATIVE_THREADING_LOAD_FAILED', `${NAME}: the native binary for ${platform} (${from}) could not be loaded: ${(e as Error)?.message ?? e}`),
      e,
    );
  }
}

function load(): NativeBinding {
  const { platform, arch } = process;
  if (platform !== 'linux') throw unsupported(`${platform}-${arch}`);
  // A checkout: the binary that `npm run build` put in the package root.
  for (const libc of ['gnu', 'musl']) {
    const id = `linux-${arch}-${libc}`;
    const local = join(ROOT, `${NAME}.${id}.node`);
    if (existsSync(local)) return loadFile(local, id, `built in the package root, ${NAME}.${id}.node`);
  }
  // An installed package: the platform package. glibc is the common case, tried first so that
  // a successful load costs no C library detection.
  let failure: unknown;
  const gnu = `linux-${arch}-gnu`;
  if (PREBUILT.includes(gnu)) {
    const pkg = `${NAME}-${gnu}`;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const binding = require(pkg) as NativeBinding;
      const mine = version(join(ROOT, 'package.json'));
      const theirs = version(`${pkg}/package.json`);
      if (mine !== undefined && theirs !== undefined && mine !== theirs) {
        throw coded(
          Error,
          'ERR_NATIVE_THREADING_VERSION_MISMATCH',
          `${NAME} ${mine} found its native binary package ${pkg} at version ${theirs}: the two must be the same ` +
            `version. Install ${pkg}@${mine} (or reinstall ${NAME}).`,
        );
      }
      return binding;
    } catch (e) {
      if ((e as { code?: unknown })?.code === 'ERR_NATIVE_THREADING_VERSION_MISMATCH') throw e;
      failure = e;
    }
  }
  const id = `linux-${arch}-${linuxLibc()}`;
  if (!PREBUILT.includes(id)) throw unsupported(id, failure);
  const pkg = `${NAME}-${id}`;
  const v = version(join(ROOT, 'package.json'));
  const at = v === undefined ? pkg : `${pkg}@${v}`;
  const err = isNotFound(failure, pkg)
    ? coded(
        Error,
        'ERR_NATIVE_THREADING_BINARY_MISSING',
        `${NAME}: the native binary for this platform (${id}) is not installed: it comes in the package ${pkg}, ` +
          `an optional dependency of ${NAME}, which is missing. Reinstall without --omit=optional ` +
          `(or --no-optional, --ignore-optional), or install it yourself: npm install ${at}. ` +
          `In a clone of the repository, \`npm run build\` builds it. ${supported()}`,
      )
    : coded(
        Error,
        'ERR_NATIVE_THREADING_LOAD_FAILED',
        `${NAME}: the native binary for this platform (${id}) in the package ${pkg} could not be loaded: ` +
          `${(failure as Error)?.message ?? failure}. Reinstall ${at}. ${supported()}`,
      );
  throw withCause(err, failure);
}

export const native: NativeBinding = load();
const info = native.init(!isMainThread);

/** The shared arena's first GiB as 32-bit words. A handle is a block index: block `h` starts
 * at word `h * Block.Words` and its body `Block.BodyWord` words later (runtime/layout.ts). */
export const memory = new Int32Array(info.memory);
/** This thread's owner id in RLocks. */
export const agentId = info.agent;
/** This process's tag, which a Lock word records for its holder (core/liveness.rs). */
export const processTag = info.process;

/** Word index of the body of block `h` (plus `word`). */
export function wordOf(h: number, word = 0): number {
  return h * Block.Words + Block.BodyWord + word;
}
/** Word index of the block's count of asynchronous waiters. */
export function asyncWaitersOf(h: number): number {
  return h * Block.Words + Block.AsyncWaitersWord;
}
