// What travels through Redis: job data (a chunk of calls of one exported function) and job
// results. BullMQ stores both as JSON, so values go as v8 serialization (the format `Pool`
// uses between processes: Map, Set, Date, BigInt, typed arrays ...) in base64.
import { deserialize, serialize } from 'node:v8';
import { codedError, ERR_TASK_FAILED } from './errors';

/** What a job asks for: `apply` one call; `map` one argument per item; `starmap` an argument list per item. */
export type JobKind = 'apply' | 'map' | 'starmap';

export interface JobData {
  /** Format version. */
  v: 1;
  /** The module's portable name (modules.ts). */
  m: string;
  /** The export's name. */
  x: string;
  /** The module's source hash as the caller has it. */
  h: string;
  k: JobKind;
  /** base64 v8: `[args, kwargs]` for apply, the items for map and starmap. */
  a: string;
}

export interface EncodedError {
  /** The class to rebuild: a built-in error's name, else 'Error'. */
  cls: string;
  name: string;
  message: string;
  stack: string;
  /** base64 v8 of the other own enumerable properties (code included), when they serialize. */
  props?: string;
}

export type JobResult = { ok: true; r: string } | { ok: false; e: EncodedError };

export const encodeValue = (value: unknown): string => serialize(value).toString('base64');
export const decodeValue = (text: string): unknown => deserialize(Buffer.from(text, 'base64'));

const BUILT_IN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function encodeError(err: unknown): EncodedError {
  if (!(err instanceof Error)) {
    return { cls: 'Error', name: 'Error', message: `a task threw a non-Error value: ${String(err)}`, stack: '' };
  }
  const ctorName = err.constructor?.name;
  const out: EncodedError = {
    cls: ctorName !== undefined && Object.hasOwn(BUILT_IN, ctorName) ? ctorName : 'Error',
    name: err.name,
    message: err.message,
    stack: err.stack ?? '',
  };
  const props = { ...err } as Record<string, unknown>;
  try {
    if (Object.keys(props).length > 0) out.props = encodeValue(props);
  } catch {
    // Properties that cannot be serialized stay behind; the message and the stack travel.
  }
  return out;
}

/** The caller's copy of a worker's error: its class (built-in ones), name, message, other
 * properties, and the worker's stack below the caller's message. Without a code of its own it
 * gets ERR_DISTRIBUTED_TASK_FAILED. */
export function decodeError(e: EncodedError): Error {
  const Ctor = Object.hasOwn(BUILT_IN, e.cls) ? BUILT_IN[e.cls] : Error;
  const err = new Ctor(e.message);
  if (e.name !== err.name) Object.defineProperty(err, 'name', { value: e.name, writable: true, configurable: true });
  if (e.props !== undefined) {
    try {
      Object.assign(err, decodeValue(e.props));
    } catch {
      // Unreadable properties: the error keeps its message and stack.
    }
  }
  if ((err as { code?: unknown }).code === undefined) (err as Error & { code: string }).code = ERR_TASK_FAILED;
  err.stack = e.stack || `${e.name}: ${e.message}`;
  return err;
}

/** A failure that is not the task's own (the job could not run): a coded Error. */
export function jobError(code: string, message: string): JobResult {
  const e = codedError(Error, code, message);
  return { ok: false, e: encodeError(e) };
}
