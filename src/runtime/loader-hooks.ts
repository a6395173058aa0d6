// Node 20 does not apply module hooks registered by `--import` (module.register) to worker
// threads, so a thread started from a program run by tsx (`tsx main.mts`, `node --import tsx`)
// could not import the program's TypeScript ES modules. tsx's API registers its hooks in the
// thread itself. (Node 22 and later are left to their own behaviour.)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** The URL of tsx's ESM API when `execArgv` loads tsx's hooks with --import, else undefined. */
function tsxApiUrl(execArgv: readonly string[]): string | undefined {
  if (NODE_MAJOR >= 22) return undefined;
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    const spec = a === '--import' ? execArgv[i + 1] : a.startsWith('--import=') ? a.slice('--import='.length) : undefined;
    if (spec === undefined) continue;
    let root: string | undefined;
    if (spec === 'tsx' || spec === 'tsx/esm') {
      try {
        root = dirname(createRequire(join(process.cwd(), 'noop.js')).resolve('tsx/package.json'));
      } catch {
        continue;
      }
    } else {
      const path = spec.startsWith('file:') ? fileURLToPath(spec) : spec;
      root = /^(.*[/\\]tsx)[/\\]dist[/\\]/.exec(path)?.[1];
    }
    if (root !== undefined) return pathToFileURL(join(root, 'dist', 'esm', 'api', 'index.mjs')).href;
  }
  return undefined;
}

/** In a new worker thread: registers tsx's hooks if the program runs under tsx. */
export async function inheritTsx(): Promise<void> {
  const url = tsxApiUrl(process.execArgv);
  if (url === undefined) return;
  const api = (await import(url)) as { register(): unknown };
  api.register();
}
