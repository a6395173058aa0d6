// Every public class, method, property and function of the package's entry points has a doc
// comment (an editor shows it on hover), and every class an @example. Reads the built
// declarations (`npm run build:ts` writes them).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { undocumented } from './helpers/undocumented.mjs';
import { ROOT } from './helpers/util.mjs';

const ENTRIES = ['dist/index.d.ts', 'dist/src/distributed/index.d.ts'];

for (const entry of ENTRIES) {
  test(`every public member of ${entry} has a doc comment, every class an @example`, (t) => {
    const file = join(ROOT, entry);
    t.true(existsSync(file), `${entry} is missing: run npm run build:ts`);
    const missing = undocumented(file);
    t.deepEqual(missing, [], `without a doc comment (or @example):\n  ${missing.join('\n  ')}`);
  });
}

test('the check sees a missing doc, a missing @example and an undocumented member of a class named by a type alias', (t) => {
  const dir = join(ROOT, 'node_modules', '.cache', 'docs-test');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sample.d.ts');
  writeFileSync(
    file,
    `/** Documented, with an example.
 * @example new Good()
 */
export declare class Good {
  /** Documented. */
  ok(): void;
  missing(): void;
  /** One overload documented. */
  over(a: string): void;
  over(a: number): void;
}
/** No example. */
export declare class NoExample {}
declare class Impl {
  /** Documented. */
  get value(): number;
  bare(): void;
}
/** An alias of Impl. */
export type Aliased = Impl;
export declare function undocumentedFunction(): void;
export {};
`,
  );
  t.deepEqual(undocumented(file).sort(), ['Aliased (@example)', 'Aliased.bare', 'Good.missing', 'Good.over', 'NoExample (@example)', 'undocumentedFunction'].sort());
});
