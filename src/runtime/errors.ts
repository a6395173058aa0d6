// Errors with Node-style `code`s (the README lists them all).

export type CodedError = Error & { code: string };

export function coded<E extends Error>(Ctor: new (message: string) => E, code: string, message: string): E & { code: string } {
  const e = new Ctor(message) as E & { code: string };
  e.code = code;
  return e;
}

/** `err` with `cause` set (the error it wraps). */
export function withCause<E extends Error>(err: E, cause: unknown): E {
  (err as E & { cause: unknown }).cause = cause;
  return err;
}

export const invalidArgType = (what: string, got: unknown): CodedError =>
  coded(TypeError, 'ERR_INVALID_ARG_TYPE', `${what}. Received ${describe(got)}`);

export const outOfRange = (what: string, got: unknown): CodedError =>
  coded(RangeError, 'ERR_OUT_OF_RANGE', `${what}. Received ${describe(got)}`);

export const invalidArgValue = (message: string): CodedError => coded(TypeError, 'ERR_INVALID_ARG_VALUE', message);

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return `function ${v.name || '<anonymous>'}`;
  if (typeof v === 'object' && v !== null) return `an instance of ${v.constructor?.name ?? 'Object'}`;
  return String(v);
}

/**
 * Python's `threading.BrokenBarrierError`: a wait on a broken Barrier (timed out, aborted, reset
 * while waited on, or its action threw).
 * @example
 * try {
 *   barrier.wait(1000);
 * } catch (e) {
 *   if (e instanceof BrokenBarrierError) console.log(e.code); // 'ERR_BROKEN_BARRIER'
 * }
 */
export class BrokenBarrierError extends Error {
  /** Always `'ERR_BROKEN_BARRIER'`. */
  readonly code = 'ERR_BROKEN_BARRIER';
  /** An error with `message`, named `'BrokenBarrierError'`. */
  constructor(message = 'the barrier is broken') {
    super(message);
    this.name = 'BrokenBarrierError';
  }
}
