// Helpers of the distributed pool tests: the redis-server and worker commands of
// redis-server.mjs with the test fixtures, and a fixture project copied to a directory of its
// own (as another machine holds it).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorkerCommand as start } from './redis-server.mjs';

export { startRedis } from './redis-server.mjs';
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const TASKS = join(FIXTURES, 'distributed-tasks.mjs');

/** A worker command (redis-server.mjs) running the test tasks unless `imports` says otherwise. */
export const startWorkerCommand = (t, options) => start(t, { imports: [TASKS], ...options });

/** A copy of the task fixtures in a new directory with a package.json named `name` (another
 * machine's checkout of the same project); `edit(source)` changes the copy of the tasks. */
export function projectCopy(name = 'distributed-fixture', edit = (s) => s) {
  const dir = mkdtempSync(join(tmpdir(), 'native-threading-distributed-'));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module' }));
  writeFileSync(join(dir, 'lib', 'tasks.mjs'), edit(readFileSync(TASKS, 'utf8')));
  return dir;
}

/** The lines a `record` task appended to `file`: [{ x, worker, start, end }]. */
export function records(file) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
