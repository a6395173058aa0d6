// A real redis-server on a free loopback port (installed with apt-get when it is missing and
// this runs as root, as CI does; otherwise an error that says how), and `native-threading
// worker` commands standing in for machines. Used by the distributed pool's tests and its
// benchmark group, so it imports nothing of the test framework.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'src', 'distributed', 'cli.js');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection after `ms` (nothing here may hang). */
function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Everything started here, ended when this process exits whatever way it ends. */
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Makes sure Debian's redis-server is installed: installs it as root, else fails saying how. */
export async function ensureRedisServer() {
  if (hasRedisServer()) return;
  if (process.getuid?.() !== 0) {
    throw new Error('the distributed pool tests need redis-server (7.x): install it with `sudo apt-get install -y redis-server` and run the tests again');
  }
  console.log('redis-server is missing: installing it with `apt-get update && apt-get install -y redis-server`');
  // Test files run in parallel: one installs, the others wait for its lock, then find it there.
  const script = 'command -v redis-server >/dev/null || { apt-get update && apt-get install -y redis-server; }';
  const lock = join(tmpdir(), 'native-threading-tests-redis-install.lock');
  const install = spawn('flock', [lock, 'sh', '-c', script], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  children.add(install);
  const code = await bounded(new Promise((resolve) => install.on('exit', resolve)), 600_000, 'installing redis-server');
  children.delete(install);
  if (code !== 0) throw new Error(`installing redis-server failed (exit ${code}): install it with \`apt-get install -y redis-server\``);
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
  await ensureRedisServer();
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
    await bounded(ready, 10_000, 'redis-server start');
    server.process = p;
  };
  /** Ends the server at once (SIGKILL): with no persistence, every job is gone. */
  server.kill = async () => {
    const p = server.process;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await bounded(gone, 5000, 'redis-server exit');
  };
  server.stop = server.kill;
  await server.start();
  return server;
}

/**
 * A `native-threading worker` process (a machine). `imports` are relative to `cwd`. Resolves
 * once it says it is ready: { pid, child, output(), exited (a promise of { code, signal }) }.
 * `t`: an ava test whose teardown kills it (or undefined: it ends with this process).
 */
export function startWorkerCommand(t, { redis, queue, imports, processes = 1, cwd = ROOT, args = [], env = {} }) {
  const argv = [CLI, 'worker', '--redis', redis, '--queue', queue, '--processes', String(processes), ...imports.flatMap((m) => ['--import', m]), ...args];
  return startNode(t, argv, { cwd, env });
}

/** `node ...argv`, resolved once its output says ": ready," (as the worker command's does). */
export async function startNode(t, argv, { cwd = ROOT, env = {} } = {}) {
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
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${argv.join(' ')} ended before it was ready:\n${out}`);
      await delay(10);
    }
  })();
  await bounded(ready, 30_000, `${argv.join(' ')} to start (output so far: ${out})`);
  return { pid: child.pid, child, output: () => out, exited };
}
