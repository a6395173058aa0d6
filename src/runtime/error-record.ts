// One way to carry an error to another thread or process: a record (a plain, serializable
// object), rebuilt on the other side. v8 serialization alone keeps only the message and stack
// of built-in errors, and loses `code`, other properties, `cause` and the name of other classes.
import { serialize } from 'node:v8';

const BUILT_IN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export interface ErrorRecord {
  /** true when the thrown value was an Error (else `value` is what was thrown). */
  error: boolean;
  value?: unknown;
  ctor?: string;
  name?: string;
  message?: string;
  stack?: string;
  props?: Record<string, unknown>;
  cause?: ErrorRecord;
}

/** What the worker sends for a thrown value; properties that cannot be serialized are left out. */
export function errorRecord(e: unknown, depth = 0): ErrorRecord {
  if (!(e instanceof Error)) {
    try {
      serialize(e);
      return { error: false, value: e };
    } catch {
      return { error: false, value: String(e) };
    }
  }
  let ctor = 'Error';
  for (let p = Object.getPrototypeOf(e) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const name = (p as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && BUILT_IN[name]?.prototype === p) {
      ctor = name;
      break;
    }
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    if (key === 'cause') continue;
    const value = (e as unknown as Record<string, unknown>)[key];
    try {
      serialize(value);
      props[key] = value;
    } catch {
      // not transferable: left out
    }
  }
  const record: ErrorRecord = { error: true, ctor, name: e.name, message: e.message, stack: e.stack, props };
  if (e.cause !== undefined && depth < 8) record.cause = errorRecord(e.cause, depth + 1);
  return record;
}

/** The caller's side of `errorRecord`: the same class when built in, else an Error with the
 * original name, message, stack (the worker's frames) and own properties. */
export function errorFromRecord(r: ErrorRecord): unknown {
  if (!r.error) return r.value;
  const Ctor = BUILT_IN[r.ctor ?? 'Error'] ?? Error;
  const err = new Ctor(r.message);
  if (r.name !== undefined && r.name !== err.name) {
    Object.defineProperty(err, 'name', { value: r.name, writable: true, enumerable: false, configurable: true });
  }
  if (r.stack !== undefined) err.stack = r.stack;
  Object.assign(err, r.props);
  if (r.cause !== undefined) Object.defineProperty(err, 'cause', { value: errorFromRecord(r.cause), writable: true, enumerable: false, configurable: true });
  return err;
}
