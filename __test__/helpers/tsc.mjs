// How user code is type-checked (the README's TypeScript blocks, the consumer project): the
// repository's `tsc` with Node 16+ module resolution, ES2022 and --strict, emitting nothing.
// Imports no test framework, so scripts run outside the test runner use it too.
import { fileURLToPath } from 'node:url';

/** The repository's TypeScript compiler (run as `node TSC ...`). */
export const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

/** A tsconfig.json object that checks `files` strictly; `compilerOptions` add to or override its options. */
export function strictTsconfig(files, compilerOptions = {}) {
  return {
    compilerOptions: {
      target: 'es2022',
      module: 'node16',
      moduleResolution: 'node16',
      lib: ['es2022', 'esnext.disposable'],
      strict: true,
      noEmit: true,
      ...compilerOptions,
    },
    files,
  };
}
