// What travels through Redis: job data (a chunk of calls of one exported function) and job
// results. BullMQ stores both as JSON, so values go as v8 serialization (the format `Pool`
// uses between processes: Map, Set, Date, BigInt, typed arrays ...) in base64.
import { deserialize, serialize } from 'node:v8';
import { errorFromRecord, errorRecord, type ErrorRecord } from '../runtime/error-record';
import { ERR_TASK_FAILED } from './errors';
import { coded } from '../runtime/errors';

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

/** An error as it travels: base64 v8 of its record (src/runtime/error-record.ts), which keeps
 * its class, name, message, code and other properties, cause and the worker's stack. */
export type EncodedError = string;

export type JobResult = { ok: true; r: string } | { ok: false; e: EncodedError };

export const encodeValue = (value: unknown): string => serialize(value).toString('base64');
export const decodeValue = (text: string): unknown => deserialize(Buffer.from(text, 'base64'));

export function encodeError(err: unknown): EncodedError {
  return encodeValue(errorRecord(err));
}

/** The caller's copy of a worker's error. Without a code of its own it gets
 * ERR_DISTRIBUTED_TASK_FAILED. */
export function decodeError(e: EncodedError): Error {
  const decoded = errorFromRecord(decodeValue(e) as ErrorRecord);
  const err = decoded instanceof Error ? decoded : coded(Error, ERR_TASK_FAILED, `a task threw a non-Error value: ${String(decoded)}`);
  if ((err as { code?: unknown }).code === undefined) (err as Error & { code: string }).code = ERR_TASK_FAILED;
  return err;
}

/** A failure that is not the task's own (the job could not run): a coded Error. */
export function jobError(code: string, message: string): JobResult {
  const e = coded(Error, code, message);
  return { ok: false, e: encodeError(e) };
}
