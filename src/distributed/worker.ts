// The worker command's work: a BullMQ Worker takes the jobs of one queue and runs each chunk
// on a local Pool of processes, so the tasks' CPU time never blocks the event loop that
// renews the jobs' locks. Only functions exported by the --import modules run, and only when
// the caller's copy of the module has the same source hash.
import { cpus } from 'node:os';
import type { Job, Worker as BullWorker } from 'bullmq';
import { Pool } from '../../index';
import { ERR_BAD_JOB, ERR_MODULE_MISMATCH, ERR_NOT_IMPORTED } from './errors';
import { splitReference, TaskModule, taskModule } from './modules';
import { LOCK_DURATION_MS, MAX_STALLED_COUNT, redisConnection, STALLED_INTERVAL_MS } from './settings';
import { decodeValue, encodeError, encodeValue, JobData, jobError, JobResult } from './wire';

export interface WorkerOptions {
  redis: string;
  queue: string;
  prefix?: string;
  imports: string[];
  processes?: number;
  initializer?: string;
  maxTasksPerChild?: number;
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
}

interface Loaded extends TaskModule {
  exports: Record<string, unknown>;
}

export interface RunningWorker {
  /** Takes no more jobs, lets the running ones finish, then ends the pool and the connection. */
  stop(): Promise<void>;
  /** The modules this worker runs, by portable name. */
  modules: string[];
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('bullmq') as typeof import('bullmq');
  const allowed = new Map<string, Loaded>();
  for (const spec of options.imports) {
    const m = taskModule(spec);
    allowed.set(m.name, { ...m, exports: (await import(m.url)) as Record<string, unknown> });
  }
  const initializer = options.initializer === undefined ? undefined : await loadInitializer(options.initializer);
  const processes = options.processes ?? cpus().length;
  const pool = new Pool({ processes, initializer, maxTasksPerChild: options.maxTasksPerChild });
  const run = (job: Job<JobData>): Promise<JobResult> => runJob(job.data, allowed, pool);
  const worker: BullWorker = new Worker(options.queue, run, {
    connection: redisConnection(options.redis, {}),
    prefix: options.prefix,
    concurrency: options.concurrency ?? 2 * processes,
    lockDuration: options.lockDuration ?? LOCK_DURATION_MS,
    stalledInterval: options.stalledInterval ?? STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? MAX_STALLED_COUNT,
  });
  let lastError = '';
  worker.on('error', (e) => {
    // Connection errors repeat while Redis is away: say each kind once.
    if (e.message !== lastError) console.error(`native-threading worker ${process.pid}: ${e.message}`);
    lastError = e.message;
  });
  await worker.waitUntilReady();
  return {
    modules: [...allowed.keys()],
    stop: async () => {
      await worker.close();
      pool.close();
      await pool.joinAsync();
    },
  };
}

async function loadInitializer(ref: string): Promise<Function> {
  const parts = splitReference(ref);
  if (parts === undefined) throw new Error(`--initializer must be module#export, got ${ref}`);
  const m = taskModule(parts.module);
  const ns = (await import(m.url)) as Record<string, unknown>;
  const fn = Object.hasOwn(ns, parts.exportName) ? ns[parts.exportName] : undefined;
  if (typeof fn !== 'function') throw new Error(`--initializer: ${parts.module} exports no function ${parts.exportName}`);
  return fn;
}

function isJobData(d: unknown): d is JobData {
  if (typeof d !== 'object' || d === null) return false;
  const j = d as Record<string, unknown>;
  return j.v === 1 && typeof j.m === 'string' && typeof j.x === 'string' && typeof j.h === 'string' && typeof j.a === 'string' && (j.k === 'apply' || j.k === 'map' || j.k === 'starmap');
}

/** One job: a task error or a refusal is the job's result (not a BullMQ failure, so it is not retried). */
async function runJob(data: unknown, allowed: Map<string, Loaded>, pool: Pool): Promise<JobResult> {
  if (!isJobData(data)) return jobError(ERR_BAD_JOB, 'the job is not a native-threading task');
  const m = allowed.get(data.m);
  if (m === undefined) {
    return jobError(ERR_NOT_IMPORTED, `this worker runs only the modules given with --import (${[...allowed.keys()].join(', ')}), not ${data.m}`);
  }
  if (m.hash !== data.h) {
    return jobError(ERR_MODULE_MISMATCH, `the caller's ${data.m} differs from this worker's (source hash ${data.h.slice(0, 12)} there, ${m.hash.slice(0, 12)} here): deploy the same version to both`);
  }
  const fn = Object.hasOwn(m.exports, data.x) ? m.exports[data.x] : undefined;
  if (typeof fn !== 'function') return jobError(ERR_NOT_IMPORTED, `${data.m} exports no function ${data.x}`);
  let payload: unknown;
  try {
    payload = decodeValue(data.a);
  } catch (e) {
    return jobError(ERR_BAD_JOB, `the job's arguments cannot be read: ${(e as Error).message}`);
  }
  try {
    let value: unknown;
    if (data.k === 'apply') {
      const [args, kwargs] = payload as [unknown[], object | undefined];
      value = await pool.applyAsync(fn, args, kwargs);
    } else {
      const items = payload as unknown[];
      value = data.k === 'map' ? await pool.mapAsync(fn, items, items.length) : await pool.starmapAsync(fn, items as unknown[][], items.length);
    }
    return { ok: true, r: encodeValue(value) };
  } catch (e) {
    return { ok: false, e: encodeError(e) };
  }
}
