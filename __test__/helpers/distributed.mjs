// Helpers of the distributed pool tests: a real redis-server on a free loopback port (installed
// with apt-get when missing and running as root, as CI does), worker commands standing in for
// machines, and a fixture project copied to a directory of its own (as another machine holds it).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delay, ROOT, within } from './util.mjs';

export const CLI = join(ROOT, 'dist', 'src', 'distributed', 'cli.js');
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const TASKS = join(FIXTURES, 'distributed-tasks.mjs');

/** Everything started here, ended when this process exits whatever way it ends. */
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Makes sure Debian's redis-server is installed: installs it as root, else fails saying how. */
export function ensureRedisServer() {
  if (hasRedisServer()) return;
  if (process.getuid?.() !== 0) {
    throw new Error('the distributed pool tests need redis-server (7.x): install it with `sudo apt-get install -y redis-server` and run the tests again');
  }
  console.log('redis-server is missing: installing it with `apt-get update && apt-get install -y redis-server`');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env, timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env, timeout: 300_000 });
  if (!hasRedisServer()) throw new Error('apt-get installed redis-server, but it does not run');
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server without persistence on 127.0.0.1: { url, port, stop(), kill(), start() }. */
export async function startRedis() {
  ensureRedisServer();
  const port = await freePort();
  const server = { port, url: `redis://127.0.0.1:${port}`, process: undefined };
  server.start = async () => {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(p);
    p.on('exit', () => children.delete(p));
    let log = '';
    const ready = new Promise((resolve, reject) => {
      p.stdout.setEncoding('utf8').on('data', (d) => {
        log += d;
        if (log.includes('Ready to accept connections')) resolve();
      });
      p.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${log}`)));
    });
    await within(ready, 10_000, 'redis-server start');
    server.process = p;
  };
  /** Ends the server at once (SIGKILL): with no persistence, every job is gone. */
  server.kill = async () => {
    const p = server.process;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await within(gone, 5000, 'redis-server exit');
  };
  server.stop = server.kill;
  await server.start();
  return server;
}

/**
 * A `native-threading worker` process (a machine). `imports` are relative to `cwd`. Resolves
 * once it says it is ready: { pid, child, output(), exited (a promise of { code, signal }) }.
 */
export async function startWorkerCommand(t, { redis, queue, imports = [TASKS], processes = 1, cwd = ROOT, args = [], env = {} }) {
  const argv = [CLI, 'worker', '--redis', redis, '--queue', queue, '--processes', String(processes), ...imports.flatMap((m) => ['--import', m]), ...args];
  const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  t?.teardown(() => child.kill('SIGKILL'));
  const ready = (async () => {
    for (;;) {
      if (out.includes(': ready,')) return;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker command ended before it was ready:\n${out}`);
      await delay(10);
    }
  })();
  await within(ready, 30_000, `the worker command to start (output so far: ${out})`);
  return { pid: child.pid, child, output: () => out, exited };
}

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
