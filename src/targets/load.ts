// In the new thread or process: importing the exported target an ExportRef names, and
// Python's bootstrapping guard. While a target's module is being imported, its top-level code
// runs; if that code starts a Process, a Thread or a pool (a main script without a main
// guard), the start fails at once with ERR_START_DURING_IMPORT instead of starting a chain of
// threads or processes, each importing the module again. The caller's start() (or pool call)
// gets ERR_TARGET_MODULE_UNGUARDED with that error as its cause.
import { fileURLToPath } from 'node:url';
import { coded, withCause } from '../runtime/errors';
import { ExportRef, notExported, TargetRole } from './locate';

/** Imports of target modules under way on this thread. */
let importing = 0;
let importingUrl = '';

/** Throws ERR_START_DURING_IMPORT when this thread is importing a target's module (Python's
 * "An attempt has been made to start a new process before the current process has finished
 * its bootstrapping phase"). `what` is the class being started. */
export function assertNotImportingTarget(what: string): void {
  if (importing === 0) return;
  throw coded(
    Error,
    'ERR_START_DURING_IMPORT',
    `a ${what} cannot be started while this thread or process is importing the module of its own target (${importingUrl}): ` +
      'that module starts work when it is imported',
  );
}

function unguarded(ref: ExportRef, what: TargetRole, cause: unknown): Error {
  return withCause(
    coded(
      Error,
      'ERR_TARGET_MODULE_UNGUARDED',
      `the module of ${what} ${ref.name} (${ref.url}) starts a Process, Thread or pool when it is imported, so every new thread or ` +
        'process that imports it would start another. Guard its main code (`if (isMainModule(import.meta)) { ... }` in an ' +
        'ES module, `if (require.main === module) { ... }` in CommonJS), or move the targets into a module of their own',
    ),
    cause,
  );
}

function hasCode(e: unknown, code: string): boolean {
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if ((e as { code?: unknown }).code === code) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The exported function `ref` names, its module imported (evaluated) here. */
export async function load(ref: ExportRef, what: TargetRole): Promise<Function> {
  return exported(ref, what, await whileImporting(ref, what, () => (ref.kind === 'cjs' ? require(ref.url) : import(ref.url))));
}

/** `load()` without waiting: an ES module is required (Node >= 20.19), else undefined when
 * that is not possible here (top-level await, a loader that only hooks import()). */
export function loadSync(ref: ExportRef, what: TargetRole): Function | undefined {
  let exports: unknown;
  try {
    exports = whileImportingSync(ref, what, () => require(ref.kind === 'cjs' ? ref.url : fileURLToPath(ref.url)));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (ref.kind === 'esm' && (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE' || e instanceof SyntaxError)) return undefined;
    throw e;
  }
  return exported(ref, what, exports);
}

function exported(ref: ExportRef, what: TargetRole, exports: unknown): Function {
  const fn = ref.exportName === null ? exports : (exports as Record<string, unknown> | null)?.[ref.exportName];
  if (typeof fn !== 'function') throw notExported(ref.name, what, `${ref.url} has no export ${ref.exportName ?? 'module.exports'} in this thread or process`);
  return fn;
}

/** Runs `importIt` marked as importing a target's module (see assertNotImportingTarget). */
async function whileImporting(ref: ExportRef, what: TargetRole, importIt: () => unknown): Promise<unknown> {
  importing++;
  importingUrl = ref.url;
  try {
    return await importIt();
  } catch (e) {
    throw hasCode(e, 'ERR_START_DURING_IMPORT') ? unguarded(ref, what, e) : e;
  } finally {
    importing--;
  }
}

function whileImportingSync(ref: ExportRef, what: TargetRole, importIt: () => unknown): unknown {
  importing++;
  importingUrl = ref.url;
  try {
    return importIt();
  } catch (e) {
    throw hasCode(e, 'ERR_START_DURING_IMPORT') ? unguarded(ref, what, e) : e;
  } finally {
    importing--;
  }
}
