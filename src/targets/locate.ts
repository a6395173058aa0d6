// Finding, in the caller, the export through which another thread or process can import a
// target function (or a Thread/Process subclass), without evaluating any module again:
// - CommonJS: the module's live `exports` in the module cache;
// - ES modules: V8 says where the function is defined (function-location.ts); the module's
//   source, parsed, says which export binds that definition (module-exports.ts).
// A function that no export binds (an arrow, a closure, a bound function, a method, a function
// declared but not exported) is refused here, before anything starts, and so is a target
// that lives in a file of tests.
import Module from 'node:module';
import { fileURLToPath } from 'node:url';
import { coded } from '../runtime/errors';
import { FunctionLocation, locateFunction, scriptSource } from './function-location';
import { ModuleFacts, moduleFacts } from './module-exports';

export interface ExportRef {
  /** 'cjs': `url` is a file path to require(); 'esm': `url` is a module URL to import(). */
  kind: 'cjs' | 'esm';
  url: string;
  /** The export's name; null when the module's `module.exports` is the function itself. */
  exportName: string | null;
  /** The function's name, for messages. */
  name: string;
}

const located = new WeakMap<Function, ExportRef>();

/** Loaded CommonJS modules by file. `require.cache` is this object, except that a `require`
 * given to a module loaded through module hooks (tsx on Node 20) has no `cache`. */
const commonJsModules = (Module as unknown as { _cache: NodeJS.Dict<NodeModule> })._cache;

/** What a refused function is, for the message: 'target', 'Thread subclass', ... */
export type TargetRole = string;

function nameOf(fn: Function): string {
  return typeof fn.name === 'string' && fn.name !== '' ? fn.name : '<anonymous>';
}

/** ERR_TARGET_NOT_EXPORTED: the message names the function and says what to export. */
export function notExported(fn: Function | string, what: TargetRole, why?: string): Error {
  const name = typeof fn === 'string' ? fn : nameOf(fn);
  const shown = /^[A-Za-z_$][\w$]*$/.test(name) ? name : 'task';
  return coded(
    Error,
    'ERR_TARGET_NOT_EXPORTED',
    `${what} ${name} is not exported from its module${why ? ` (${why})` : ''}: the new thread or process imports the ` +
      `target's module and calls the export, so define it at the top level of a module and export it ` +
      `(\`export function ${shown}(...)\`, or \`exports.${shown} = ${shown}\` in CommonJS); a module of tasks without side effects is best`,
  );
}

function inTestFile(fn: Function, what: TargetRole, url: string, framework: string): Error {
  return coded(
    Error,
    'ERR_TARGET_IN_TEST_FILE',
    `${what} ${nameOf(fn)} is defined in a file of tests (${url} imports '${framework}'): the new thread or process would ` +
      `import that file and run its tests again. Move ${nameOf(fn)} into a module of its own and import it from the tests`,
  );
}

/** Where `fn` is exported. Throws ERR_TARGET_NOT_EXPORTED when no export binds it, and
 * ERR_TARGET_IN_TEST_FILE when its module is a file of tests. Evaluates nothing. */
export function locate(fn: Function, what: TargetRole): ExportRef {
  const cached = located.get(fn);
  if (cached) return cached;
  const where = locateFunction(fn);
  if (where === 'bound') throw notExported(fn, what, 'a bound function cannot travel; export the function itself and pass its arguments in args');
  if (where === 'native') throw notExported(fn, what, 'a built-in function has no module');
  if (where === 'unknown') throw notExported(fn, what, 'its module cannot be found');
  const file = where.url.startsWith('file:') ? fileURLToPath(where.url) : where.url;
  const cjs = commonJsModules[file];
  const ref = cjs ? fromCommonJs(fn, what, where, file) : fromEsModule(fn, what, where);
  located.set(fn, ref);
  return ref;
}

/** The module's facts (ERR_TARGET_NOT_EXPORTED when its source cannot be parsed). */
function facts(fn: Function, what: TargetRole, where: FunctionLocation, isModule: boolean): ModuleFacts {
  try {
    return moduleFacts(where.scriptId, scriptSource(where.scriptId) ?? '', isModule);
  } catch (e) {
    throw notExported(fn, what, `its module ${where.url} cannot be read: ${(e as Error).message}`);
  }
}

/** `ref`, unless the module that defines `fn` is a file of tests (ERR_TARGET_IN_TEST_FILE). */
function outsideTests(ref: ExportRef, fn: Function, what: TargetRole, where: FunctionLocation, found: ModuleFacts): ExportRef {
  if (found.testFramework !== undefined) throw inTestFile(fn, what, where.url, found.testFramework);
  return ref;
}

function fromCommonJs(fn: Function, what: TargetRole, where: FunctionLocation, file: string): ExportRef {
  const own = exportOf(commonJsModules[file]?.exports, fn);
  if (own !== undefined) return outsideTests({ kind: 'cjs', url: file, exportName: own, name: nameOf(fn) }, fn, what, where, facts(fn, what, where, false));
  // Re-exported by another CommonJS module (`exports.f = require('./impl').f`).
  for (const [other, mod] of Object.entries(commonJsModules)) {
    const key = exportOf(mod?.exports, fn);
    if (key !== undefined) return outsideTests({ kind: 'cjs', url: other, exportName: key, name: nameOf(fn) }, fn, what, where, facts(fn, what, where, false));
  }
  throw notExported(fn, what);
}

/** The key under which `exports` holds `fn`: null for `module.exports = fn`. */
function exportOf(exports: unknown, fn: Function): string | null | undefined {
  if (exports === fn) return null;
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null) return undefined;
  for (const key of Object.keys(exports)) {
    let value: unknown;
    try {
      value = (exports as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (value === fn) return key;
  }
  return undefined;
}

function fromEsModule(fn: Function, what: TargetRole, where: FunctionLocation): ExportRef {
  if (!where.url.startsWith('file:')) throw notExported(fn, what, `its module ${where.url} is not a file another thread or process can import`);
  const found = facts(fn, what, where, true);
  const exportName = found.exportAt(where.offset);
  if (exportName === null) throw notExported(fn, what);
  return outsideTests({ kind: 'esm', url: where.url, exportName, name: nameOf(fn) }, fn, what, where, found);
}
