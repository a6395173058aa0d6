// Where a function was defined, read from V8 through the in-process inspector: its script (URL
// and the source V8 compiled, which for TypeScript is the loader's JavaScript) and the offset
// of its definition. Nothing is evaluated. The inspector session's calls complete
// synchronously on this thread.
import { Session } from 'node:inspector';

export interface FunctionLocation {
  scriptId: string;
  /** The script's URL: `file:` for modules and CommonJS files on disk. */
  url: string;
  /** Where V8 says the function starts: its parameter list, or a class's `class` keyword. */
  offset: number;
}

/** Why a function has no location of its own. */
export type NoLocation = 'bound' | 'native' | 'unknown';

let session: Session | undefined;
const scriptUrls = new Map<string, string>();
const sources = new Map<string, string>();
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

function connect(): void {
  if (session) return;
  session = new Session();
  session.connect();
  session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
    scriptUrls.set(m.params.scriptId, m.params.url);
  });
}

/** Runs `fn` with the debugger enabled: enabling it reports every script parsed so far, and
 * lets the sources be read; it is switched off at once. */
function withDebugger<T>(fn: () => T): T {
  post('Debugger.enable', {});
  try {
    return fn();
  } finally {
    post('Debugger.disable', {});
  }
}

interface InternalProperty {
  name: string;
  value?: { value?: { scriptId: string; lineNumber: number; columnNumber: number } };
}

export function locateFunction(fn: Function): FunctionLocation | NoLocation {
  connect();
  const g = globalThis as Record<string, unknown>;
  g[GLOBAL_KEY] = fn;
  let internal: InternalProperty[];
  try {
    const { result } = post<{ result: { objectId?: string } }>('Runtime.evaluate', { expression: `globalThis.${GLOBAL_KEY}` });
    if (!result.objectId) return 'unknown';
    try {
      internal = post<{ internalProperties?: InternalProperty[] }>('Runtime.getProperties', { objectId: result.objectId, ownProperties: true }).internalProperties ?? [];
    } finally {
      post('Runtime.releaseObject', { objectId: result.objectId });
    }
  } finally {
    delete g[GLOBAL_KEY];
  }
  if (internal.some((p) => p.name === '[[TargetFunction]]')) return 'bound';
  const where = internal.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
  if (where === undefined) return 'native';
  const source = scriptSource(where.scriptId);
  const url = scriptUrls.get(where.scriptId);
  if (source === undefined || url === undefined) return 'unknown';
  return { scriptId: where.scriptId, url, offset: offsetOf(source, where.lineNumber, where.columnNumber) };
}

/** The source V8 compiled for a script (cached: a script's source never changes). */
export function scriptSource(scriptId: string): string | undefined {
  let source = sources.get(scriptId);
  if (source === undefined) {
    connect();
    source = withDebugger(() => post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId }).scriptSource);
    sources.set(scriptId, source);
  }
  return source;
}

function offsetOf(source: string, line: number, column: number): number {
  let at = 0;
  for (let l = 0; l < line; l++) {
    const next = source.indexOf('\n', at);
    if (next < 0) return source.length;
    at = next + 1;
  }
  return at + column;
}
