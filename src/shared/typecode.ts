// The typecodes of Value and SharedArray (Python's array/ctypes codes, C widths on Linux x64),
// and how a JavaScript value is checked before it is stored.
import { invalidArgType, invalidArgValue, outOfRange } from '../runtime/errors';

/** Python's typecodes: b/B 8, h/H 16, i/I 32, l/L and q/Q 64 bits (bigint), f float32, d float64. */
export type Typecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd';

/** The typed array over a Value's or SharedArray's memory. */
export type SharedTypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export interface TypeInfo {
  readonly code: Typecode;
  /** Index in TYPECODES (what the block's header stores). */
  readonly id: number;
  readonly bytes: number;
  /** 'int' (number, wraps), 'bigint' (bigint, wraps) or 'float'. */
  readonly sort: 'int' | 'bigint' | 'float';
  readonly view: (buffer: ArrayBuffer, byteOffset: number, length: number) => SharedTypedArray;
}

const table: Array<[Typecode, number, TypeInfo['sort'], TypeInfo['view']]> = [
  ['b', 1, 'int', (b, o, n) => new Int8Array(b, o, n)],
  ['B', 1, 'int', (b, o, n) => new Uint8Array(b, o, n)],
  ['h', 2, 'int', (b, o, n) => new Int16Array(b, o, n)],
  ['H', 2, 'int', (b, o, n) => new Uint16Array(b, o, n)],
  ['i', 4, 'int', (b, o, n) => new Int32Array(b, o, n)],
  ['I', 4, 'int', (b, o, n) => new Uint32Array(b, o, n)],
  ['l', 8, 'bigint', (b, o, n) => new BigInt64Array(b, o, n)],
  ['L', 8, 'bigint', (b, o, n) => new BigUint64Array(b, o, n)],
  ['q', 8, 'bigint', (b, o, n) => new BigInt64Array(b, o, n)],
  ['Q', 8, 'bigint', (b, o, n) => new BigUint64Array(b, o, n)],
  ['f', 4, 'float', (b, o, n) => new Float32Array(b, o, n)],
  ['d', 8, 'float', (b, o, n) => new Float64Array(b, o, n)],
];

export const TYPECODES: readonly TypeInfo[] = table.map(([code, bytes, sort, view], id) => ({ code, id, bytes, sort, view }));
const byCode = new Map<unknown, TypeInfo>(TYPECODES.map((t) => [t.code, t]));
const CODES = TYPECODES.map((t) => t.code).join(', ');

/** A typecode argument: not a string -> ERR_INVALID_ARG_TYPE; an unknown one -> ERR_INVALID_ARG_VALUE. */
export function typeInfo(typecode: unknown): TypeInfo {
  const t = byCode.get(typecode);
  if (t !== undefined) return t;
  if (typeof typecode !== 'string') throw invalidArgType('The "typecode" argument must be of type string', typecode);
  throw invalidArgValue(`bad typecode '${typecode}' (must be one of ${CODES})`);
}

/**
 * `v` checked for storage as `t` (the typed array then converts it). Integers that do not fit
 * wrap around modulo 2**bits, as ctypes does (`Value('b', 200).value === -56`); floats round to
 * the element type. Wrong JavaScript type (a number for a 64-bit code, a bigint for the others,
 * anything else) -> TypeError ERR_INVALID_ARG_TYPE; a non-integer (NaN, Infinity, 1.5) for an
 * integer code -> RangeError ERR_OUT_OF_RANGE.
 */
export function checkElement(t: TypeInfo, v: unknown, name: string): number | bigint {
  if (t.sort === 'bigint') {
    if (typeof v !== 'bigint') throw invalidArgType(`The "${name}" argument must be of type bigint for typecode '${t.code}'`, v);
    return v;
  }
  if (typeof v !== 'number') throw invalidArgType(`The "${name}" argument must be of type number for typecode '${t.code}'`, v);
  if (t.sort === 'int' && !Number.isInteger(v)) {
    throw outOfRange(`The value of "${name}" is out of range. It must be an integer for typecode '${t.code}'`, v);
  }
  return v;
}

/** The typecodes whose elements are bigints (64-bit integers). */
export type BigintTypecode = 'l' | 'L' | 'q' | 'Q';
/** The typecodes whose elements are numbers. */
export type NumberTypecode = Exclude<Typecode, BigintTypecode>;
/** The JavaScript type of an element of typecode `C`: bigint for l/L/q/Q, else number. */
export type ElementOf<C extends Typecode> = C extends BigintTypecode ? bigint : number;

interface Views {
  b: Int8Array;
  B: Uint8Array;
  h: Int16Array;
  H: Uint16Array;
  i: Int32Array;
  I: Uint32Array;
  l: BigInt64Array;
  L: BigUint64Array;
  q: BigInt64Array;
  Q: BigUint64Array;
  f: Float32Array;
  d: Float64Array;
}
/** The typed array over the memory of typecode `C` ('i': Int32Array, 'q': BigInt64Array, ...). */
export type ViewOf<C extends Typecode> = Views[C];
