// Loads the native addon once per thread and maps the shared arena into this thread.
import type { NativeBinding } from 'native-threading/binding';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const PLATFORM_TRIPLE: Record<string, string> = {
  'linux-x64': 'linux-x64-gnu',
  'linux-arm64': 'linux-arm64-gnu',
};

function load(): NativeBinding {
  const key = `${process.platform}-${process.arch}`;
  const triple = PLATFORM_TRIPLE[key];
  const supported = Object.keys(PLATFORM_TRIPLE).join(', ');
  if (!triple) {
    throw new Error(
      `native-threading has no native binary for ${key}. Supported platforms: ${supported}. ` +
        'Build from source with Rust installed (npm run build in a checkout), or use a supported platform.',
    );
  }
  const local = join(__dirname, '..', '..', `native-threading.${triple}.node`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (existsSync(local)) return require(local) as NativeBinding;
  try {
    return require(`native-threading-${triple}`) as NativeBinding;
  } catch (e) {
    const err = new Error(
      `native-threading: the native binary for ${key} (package native-threading-${triple}) is not installed. ` +
        `Supported platforms: ${supported}. Reinstall without --no-optional (or --omit=optional), ` +
        'or build from source in a checkout with `npm run build`.',
    );
    (err as Error & { cause: unknown }).cause = e;
    throw err;
  }
}

export const native: NativeBinding = load();
const info = native.init(!isMainThread);

/** The shared arena's first GiB as 32-bit words. A handle is a block index: block `h` starts
 * at byte `h * block` and its body `body` bytes later. */
export const memory = new Int32Array(info.memory);
/** This thread's owner id in RLocks. */
export const agentId = info.agent;
const BLOCK_WORDS = info.block / 4;
const BODY_WORDS = info.body / 4;

/** Word index of the body of block `h` (plus `word`). */
export function wordOf(h: number, word = 0): number {
  return h * BLOCK_WORDS + BODY_WORDS + word;
}
/** Word index of the block's count of asynchronous waiters. */
export function asyncWaitersOf(h: number): number {
  return h * BLOCK_WORDS + 3;
}

/** Block kinds (core/arena.rs). */
export const enum Kind {
  Lock = 1,
  RLock = 2,
  Condition = 3,
  Semaphore = 4,
  BoundedSemaphore = 5,
  Event = 6,
  Barrier = 7,
  Queue = 12,
  Shared = 13,
}

/** Wait operations (binding/waits.rs). */
export const enum Op {
  Lock = 0,
  RLock = 1,
  Semaphore = 2,
  Event = 3,
  Condition = 4,
  Barrier = 5,
  Sleep = 6,
  QueueChange = 7,
}
