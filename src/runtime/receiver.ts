// Errors for a shared instance used where it is not one: a method called on something else
// (`Lock.prototype.acquire.call(x)`), or an argument that should be an instance. The usual
// mistake is a structured clone (what postMessage and workerData deliver), which is a plain
// object until the class's `from()` restores it: the message then names that `from()`.
import { coded, CodedError, invalidArgType } from './errors';
import { isLiveShareable, JsKind, sharedOf } from './handle-transfer';
import { Kind } from './native';

/** The classes a descriptor's kind can come from (Kind.Shared and Kind.Queue serve two). */
const CLASSES_OF_KIND: Record<number, readonly string[]> = {
  [Kind.Lock]: ['Lock'],
  [Kind.RLock]: ['RLock'],
  [Kind.Condition]: ['Condition'],
  [Kind.Semaphore]: ['Semaphore'],
  [Kind.BoundedSemaphore]: ['BoundedSemaphore'],
  [Kind.Event]: ['Event'],
  [Kind.Barrier]: ['Barrier'],
  [Kind.Queue]: ['Queue', 'JoinableQueue'],
  [Kind.Shared]: ['Value', 'SharedArray'],
  [JsKind.SharedDict]: ['SharedDict'],
  [JsKind.SharedList]: ['SharedList'],
};

/** The class `value` is a structured clone of (`expected` when the kind fits it, as the kind
 * alone cannot tell a Value from a SharedArray), or undefined when it is not a clone. A live
 * instance is not read: its accessor would lease its primitive. */
function cloneClass(value: unknown, expected: readonly string[]): string | undefined {
  if (isLiveShareable(value)) return undefined;
  const s = sharedOf(value);
  if (s === undefined) return undefined;
  const classes = CLASSES_OF_KIND[s.kind];
  if (classes === undefined) return expected[0];
  return classes.find((c) => expected.includes(c)) ?? classes.join(' or ');
}

// 'an RLock', as it is read.
const withArticle = (cls: string): string => `${/^(?:[AEIOU]|RLock)/.test(cls) ? 'an' : 'a'} ${cls}`;

function restoreHint(cls: string): string {
  const froms = cls.split(' or ').map((c) => `${c}.from()`);
  return `it is a structured clone of ${withArticle(cls)} (as postMessage and workerData deliver it): restore it with ${froms.join(' or ')} first`;
}

function received(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object' || typeof value === 'function') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

/** ERR_INVALID_THIS for `className.prototype.method` called on `self`, not an instance. */
export function invalidThis(self: unknown, className: string, method: string): CodedError {
  const cls = cloneClass(self, [className]);
  const what = `${className}.prototype.${method} was called on something that is not ${withArticle(className)}`;
  const why = cls === undefined ? `Received ${received(self)}` : restoreHint(cls);
  return coded(TypeError, 'ERR_INVALID_THIS', `${what}: ${why}`);
}

/** ERR_INVALID_ARG_TYPE for an argument that must be an instance of one of `classes`:
 * `what` is the start of the message (`The "lock" argument must be a Lock or an RLock`). */
export function invalidInstanceArg(what: string, got: unknown, classes: readonly string[]): CodedError {
  const cls = cloneClass(got, classes);
  if (cls === undefined) return invalidArgType(what, got);
  return coded(TypeError, 'ERR_INVALID_ARG_TYPE', `${what}. Received a plain object: ${restoreHint(cls)}`);
}
