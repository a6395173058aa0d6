// Finding where a target function (or a Thread subclass) is exported from, so that another
// thread or process can import it: CommonJS modules through require.cache, ES modules through
// the in-process inspector (a function's [[FunctionLocation]] and its script's URL).
import { Session } from 'node:inspector';
import { coded } from '../runtime/errors';

export interface ExportRef {
  /** 'cjs': `url` is a file path to require(); 'esm': `url` is a module URL to import(). */
  kind: 'cjs' | 'esm';
  url: string;
  /** The export's name; null when the module's `module.exports` is the function itself. */
  exportName: string | null;
  /** For an ES module, the function's name and source, to find it among the exports. */
  name: string;
  source: string;
}

const located = new WeakMap<Function, ExportRef>();

export function notExported(fn: Function, what: string): Error {
  const name = fn.name || '<anonymous>';
  return coded(
    Error,
    'ERR_TARGET_NOT_EXPORTED',
    `${what} ${name} must be exported from its module (export function ${name}(...) or exports.${name} = ${name}) ` +
      'so that the new thread or process can import it',
  );
}

/** Where `fn` is exported; throws ERR_TARGET_NOT_EXPORTED when it is not (CommonJS) or when
 * its module cannot be found. ES module exports are checked by the importing side. */
export function locate(fn: Function, what: string): ExportRef {
  const cached = located.get(fn);
  if (cached) return cached;
  const ref = fromRequireCache(fn) ?? fromInspector(fn);
  if (!ref) throw notExported(fn, what);
  located.set(fn, ref);
  return ref;
}

function fromRequireCache(fn: Function): ExportRef | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    const exp: unknown = mod?.exports;
    if (exp === fn) return { kind: 'cjs', url: file, exportName: null, name: fn.name, source: '' };
    if ((typeof exp === 'object' || typeof exp === 'function') && exp !== null) {
      for (const key of Object.keys(exp)) {
        let value: unknown;
        try {
          value = (exp as Record<string, unknown>)[key];
        } catch {
          continue;
        }
        if (value === fn) return { kind: 'cjs', url: file, exportName: key, name: fn.name, source: '' };
      }
    }
  }
  return undefined;
}

let session: Session | undefined;
const scriptUrls = new Map<string, string>();
const GLOBAL_KEY = '__nativeThreadingLocate';

function post<T>(method: string, params: object): T {
  let result: T | undefined;
  let error: Error | null = null;
  session!.post(method, params, (e: Error | null, r?: object) => {
    error = e;
    result = r as T | undefined;
  });
  if (error) throw error;
  return result as T;
}

interface RemoteObject {
  objectId?: string;
}
interface PropertiesResult {
  internalProperties?: Array<{ name: string; value?: { value?: { scriptId: string } } }>;
}

function fromInspector(fn: Function): ExportRef | undefined {
  if (!session) {
    session = new Session();
    session.connect();
    session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
      scriptUrls.set(m.params.scriptId, m.params.url);
    });
  }
  const g = globalThis as Record<string, unknown>;
  g[GLOBAL_KEY] = fn;
  let scriptId: string | undefined;
  try {
    const { result } = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis.${GLOBAL_KEY}` });
    if (!result.objectId) return undefined;
    const props = post<PropertiesResult>('Runtime.getProperties', { objectId: result.objectId, ownProperties: true });
    post('Runtime.releaseObject', { objectId: result.objectId });
    scriptId = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value?.scriptId;
  } finally {
    delete g[GLOBAL_KEY];
  }
  if (scriptId === undefined) return undefined;
  if (!scriptUrls.has(scriptId)) {
    // Enabling the debugger reports every script parsed so far; it is switched off at once.
    post('Debugger.enable', {});
    post('Debugger.disable', {});
  }
  const url = scriptUrls.get(scriptId);
  if (!url || !url.startsWith('file:')) return undefined;
  return { kind: 'esm', url, exportName: null, name: fn.name, source: Function.prototype.toString.call(fn) };
}

/** In the new thread or process: the exported function `ref` names. */
export async function load(ref: ExportRef, what: string): Promise<Function> {
  if (ref.kind === 'cjs') {
    const exp: unknown = require(ref.url);
    const fn = ref.exportName === null ? exp : (exp as Record<string, unknown>)[ref.exportName];
    if (typeof fn !== 'function') throw notExportedByName(ref, what);
    return fn;
  }
  const ns = (await import(ref.url)) as Record<string, unknown>;
  const byName = ns[ref.name];
  if (typeof byName === 'function' && Function.prototype.toString.call(byName) === ref.source) return byName;
  const matches = Object.values(ns).filter(
    (v): v is Function => typeof v === 'function' && Function.prototype.toString.call(v) === ref.source,
  );
  if (matches.length === 1) return matches[0];
  throw notExportedByName(ref, what);
}

function notExportedByName(ref: ExportRef, what: string): Error {
  const f = function () {};
  Object.defineProperty(f, 'name', { value: ref.name });
  return notExported(f, what);
}
