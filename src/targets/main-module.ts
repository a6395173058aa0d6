// isMainModule(import.meta): Python's `if __name__ == '__main__':` for ES modules.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { invalidArgType } from '../runtime/errors';

const EXTENSIONS = ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

let entry: string | undefined | null = null;

function entryScript(): string | undefined {
  if (entry !== null) return entry;
  const argv1 = process.argv[1];
  entry = argv1 === undefined ? undefined : EXTENSIONS.map((ext) => real(resolve(argv1 + ext))).find((p) => p !== undefined);
  return entry;
}

/** True when `meta` is the entry script of the program, run as the program (not imported by a
 * Thread, Process or Pool worker to find a target). */
export function isMainModule(meta: ImportMeta): boolean {
  if (typeof meta !== 'object' || meta === null || typeof meta.url !== 'string') {
    throw invalidArgType('The "meta" argument must be import.meta', meta);
  }
  if (!isMainThread || process.env.NATIVE_THREADING_CHILD !== undefined) return false;
  if (!meta.url.startsWith('file:')) return false;
  const here = real(fileURLToPath(meta.url));
  return here !== undefined && here === entryScript();
}
