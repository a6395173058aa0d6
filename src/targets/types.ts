// The types that make a call follow its target: the arguments a target takes and what it
// gives, so that `pool.map(countPrimes, [1, 2])` is a `number[]` and
// `pool.map(countPrimes, ['x'])` does not compile. A target typed only as `Function` has no
// arguments or result to follow: its arguments are `unknown`, its result too, unless the call
// names it (`pool.map<number>(fn, xs)`).

/** The parameters of a target; `unknown[]` for a `Function`. */
export type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : unknown[];

/** The one argument `map`/`imap` pass each call: the target's first parameter. */
export type ItemOf<F> = ArgsOf<F> extends [] ? unknown : ArgsOf<F>[0];

/** What a call of the target gives, awaited (a pool target may be async); `unknown` for a
 * `Function`. */
export type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : unknown;

/** `F` when it has no call signature (a `Function`), else `never`: a parameter typed
 * `F & Untyped<F>` takes only targets that cannot be checked, which keeps an overload with an
 * explicit result type from accepting a typed target with the wrong arguments. */
export type Untyped<F> = F extends (...args: never[]) => unknown ? never : F;
