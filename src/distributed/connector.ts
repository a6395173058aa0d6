// The connector thread of a DistributedPool: it owns the pool's BullMQ Queue and QueueEvents
// (and so its Redis connections), adds the jobs the pool sends, and sends back each job's
// result once. Running them here, off the calling thread, lets the pool's blocking calls block
// that thread while Redis traffic goes on.
//
// Recovery, on top of BullMQ's own (a dead worker's job is re-run by BullMQ's stall check):
// - Each job id is `<pool>-<call>-<chunk>`; a result is delivered once, the first time, so a
//   chunk that ran twice is not counted twice.
// - After a reconnection, and when no result came for RECONCILE_MS, the pool looks up its
//   outstanding jobs: a finished one whose event was missed is read from its job, and one that
//   Redis no longer has (a restart without persistence) is added again under the same id.
// - Without Redis for `connectionTimeout` ms while results are outstanding, their calls fail
//   with ERR_DISTRIBUTED_CONNECTION instead of waiting for ever.
import { MessagePort, workerData } from 'node:worker_threads';
import type { Job, Queue as BullQueue, QueueEvents as BullQueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { ERR_CONNECTION, ERR_JOB_FAILED } from './errors';
import { coded } from '../runtime/errors';
import type { ConnectorData, ExportEntry, ToConnector, ToPool } from './protocol';
import { JOB_OPTIONS, RECONCILE_MS, redisConnection } from './settings';
import { encodeError, JobData, JobResult } from './wire';

const data = workerData as ConnectorData & { port: MessagePort };
const { port, signal } = data;

function post(msg: ToPool): void {
  port.postMessage(msg);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

interface Outstanding {
  call: number;
  index: number;
  data: JobData;
  /** Handed to Redis (an add that may still be on its way). */
  sent: boolean;
}

const outstanding = new Map<string, Outstanding>();
let unsent: string[] = [];
let flushing = false;
let lastProgress = Date.now();
/** Since when Redis is out of reach (undefined: connected). */
let downSince: number | undefined = Date.now();
let reconciling = false;
let ending: 'close' | 'terminate' | undefined;

const jobId = (call: number, index: number): string => `${data.poolId}-${call}-${index}`;

process.on('uncaughtException', (e) => fatal(e));
// BullMQ retries its own commands through a reconnection; a rejection it leaves behind then is
// not this pool's failure (the connection timeout below handles a Redis that stays away).
process.on('unhandledRejection', () => {});

/** Something broke in this thread: every outstanding call fails with it, and the thread ends. */
function fatal(e: unknown): void {
  const error = encodeError(e);
  for (const call of new Set([...outstanding.values()].map((o) => o.call))) post({ t: 'fail', call, error });
  outstanding.clear();
  post({ t: 'closed' });
  process.exit(1);
}

async function exportsOf(modules: ConnectorData['modules']): Promise<ExportEntry[]> {
  const out: ExportEntry[] = [];
  for (const m of modules) {
    const ns = (await import(m.url)) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(ns)) {
      if (typeof value !== 'function') continue;
      out.push({ module: m.name, exportName, fnName: value.name, source: Function.prototype.toString.call(value) });
    }
  }
  return out;
}

async function main(): Promise<void> {
  try {
    post({ t: 'ready', exports: await exportsOf(data.modules) });
  } catch (e) {
    post({ t: 'ready', exports: [], error: encodeError(e) });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Queue, QueueEvents } = require('bullmq') as typeof import('bullmq');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: IORedis } = require('ioredis') as typeof import('ioredis');
  const connection = redisConnection(data.redis, data.redisOptions);
  // The queue's client is ours, to watch its connection and read the event stream's end.
  const { url, ...rest } = connection as { url: string };
  const client = new IORedis(url, rest);
  client.on('error', () => {
    // Connection errors: the connection state below handles them.
  });
  const queue = new Queue(data.queue, { connection: client, prefix: data.prefix, defaultJobOptions: JOB_OPTIONS });
  queue.on('error', () => {});
  client.on('ready', () => {
    const wasDown = downSince !== undefined;
    downSince = undefined;
    if (wasDown) void reconcile(queue);
  });
  client.on('close', () => {
    downSince ??= Date.now();
  });
  if (client.status === 'ready') downSince = undefined;

  // Events are read from the stream's end as it is before any job of this pool is added (the
  // first command on this connection), so no result can come before the reader starts.
  const lastEventId = lastStreamId(client, queue);
  port.on('message', (msg: ToConnector) => onMessage(msg, queue));
  const timer = setInterval(() => watch(queue), 250);
  timer.unref();
  let events: BullQueueEvents | undefined;
  onEnd = async () => {
    clearInterval(timer);
    await endWithin([events?.close(), queue.close()], 2000);
    client.disconnect();
    post({ t: 'closed' });
    port.close();
    process.exit(0);
  };
  flush(queue);
  maybeEnd();
  events = new QueueEvents(data.queue, { connection, prefix: data.prefix, lastEventId: await lastEventId });
  events.on('error', () => {});
  events.on('completed', ({ jobId: id, returnvalue }) => deliver(id, returnvalue as unknown));
  events.on('failed', ({ jobId: id, failedReason }) => deliverFailure(id, failedReason));
}

let onEnd: (() => Promise<void>) | undefined;

async function lastStreamId(client: Redis, queue: BullQueue): Promise<string> {
  const last = (await client.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  return last.length > 0 ? last[0][0] : '0-0';
}

function endWithin(work: Array<Promise<unknown> | undefined>, ms: number): Promise<unknown> {
  return Promise.race([Promise.allSettled(work), new Promise((resolve) => setTimeout(resolve, ms))]);
}

function onMessage(msg: ToConnector, queue: BullQueue): void {
  switch (msg.t) {
    case 'submit':
      for (const j of msg.jobs) {
        const id = jobId(msg.call, j.index);
        outstanding.set(id, { call: msg.call, index: j.index, data: j.data, sent: false });
        unsent.push(id);
      }
      flush(queue);
      break;
    case 'cancel':
      void forget((o) => o.call === msg.call, queue);
      break;
    case 'close':
      ending ??= 'close';
      maybeEnd();
      break;
    case 'terminate':
      ending = 'terminate';
      void forget(() => true, queue).then(maybeEnd);
      break;
  }
}

/** Drops the outstanding jobs that `which` picks, and takes back from Redis those not started. */
async function forget(which: (o: Outstanding) => boolean, queue: BullQueue): Promise<void> {
  const ids = [...outstanding].filter(([, o]) => which(o)).map(([id]) => id);
  for (const id of ids) outstanding.delete(id);
  unsent = unsent.filter((id) => outstanding.has(id));
  if (downSince === undefined) await endWithin(ids.map((id) => queue.remove(id)), 2000);
}

function maybeEnd(): void {
  if (ending !== undefined && outstanding.size === 0 && onEnd !== undefined) {
    const end = onEnd;
    onEnd = undefined;
    void end();
  }
}

/** Adds the jobs not yet handed to Redis, a batch at a time. */
function flush(queue: BullQueue): void {
  if (flushing || unsent.length === 0) return;
  flushing = true;
  const batch = unsent.splice(0, 1000).filter((id) => outstanding.has(id));
  const jobs = batch.map((id) => {
    const o = outstanding.get(id)!;
    o.sent = true;
    return { name: o.data.k, data: o.data, opts: { jobId: id } };
  });
  queue.addBulk(jobs).then(
    () => {
      flushing = false;
      flush(queue);
    },
    () => {
      // Not added (Redis went away): try again after a pause.
      for (const id of batch) {
        const o = outstanding.get(id);
        if (o !== undefined) o.sent = false;
      }
      unsent.unshift(...batch.filter((id) => outstanding.has(id)));
      setTimeout(() => {
        flushing = false;
        flush(queue);
      }, 200);
    },
  );
}

function isJobResult(v: unknown): v is JobResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (r.ok === true && typeof r.r === 'string') || (r.ok === false && typeof r.e === 'string');
}

function deliver(id: string, value: unknown): void {
  const o = outstanding.get(id);
  if (o === undefined) return; // another pool's job, or a result already delivered
  outstanding.delete(id);
  lastProgress = Date.now();
  const result: JobResult = isJobResult(value)
    ? value
    : { ok: false, e: encodeError(coded(Error, ERR_JOB_FAILED, `job ${id} returned something that is not a task result (a worker of another kind on this queue?)`)) };
  post({ t: 'chunk', call: o.call, index: o.index, result });
  maybeEnd();
}

function deliverFailure(id: string, reason: string): void {
  const o = outstanding.get(id);
  if (o === undefined) return;
  // BullMQ fails a job whose workers kept dying (more stalls than maxStalledCount), and a job
  // whose processor threw (the worker command returns task errors as results instead).
  const code = /stalled/i.test(reason) ? 'ERR_WORKER_DIED' : ERR_JOB_FAILED;
  deliver(id, { ok: false, e: encodeError(coded(Error, code, `job ${id} failed: ${reason}`)) });
}

/** Every 250 ms: gives up on a connection gone too long; looks up jobs gone quiet. */
function watch(queue: BullQueue): void {
  if (outstanding.size === 0) {
    lastProgress = Date.now();
    return;
  }
  const now = Date.now();
  if (downSince !== undefined && now - downSince > data.connectionTimeout) {
    const error = encodeError(
      coded(Error, ERR_CONNECTION, `Redis at ${data.redis} has been out of reach for over ${data.connectionTimeout} ms; the results still outstanding are lost`),
    );
    for (const call of new Set([...outstanding.values()].map((o) => o.call))) post({ t: 'fail', call, error });
    outstanding.clear();
    unsent = [];
    downSince = now;
    maybeEnd();
    return;
  }
  if (downSince === undefined && now - lastProgress > RECONCILE_MS) void reconcile(queue);
}

/** Looks up every outstanding job that was handed to Redis: reads the outcome of the finished
 * ones and adds again the ones Redis lost. */
async function reconcile(queue: BullQueue): Promise<void> {
  if (reconciling) return;
  reconciling = true;
  try {
    const ids = [...outstanding].filter(([, o]) => o.sent).map(([id]) => id);
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const states = await Promise.all(batch.map((id) => queue.getJobState(id)));
      const finished: Array<Promise<Job | undefined>> = [];
      batch.forEach((id, k) => {
        const o = outstanding.get(id);
        if (o === undefined) return;
        if (states[k] === 'unknown') {
          o.sent = false;
          unsent.push(id);
        } else if (states[k] === 'completed' || states[k] === 'failed') {
          finished.push(queue.getJob(id));
        }
      });
      for (const job of await Promise.all(finished)) {
        if (job?.id === undefined) continue;
        if (job.finishedOn !== undefined && job.failedReason) deliverFailure(job.id, job.failedReason);
        else deliver(job.id, job.returnvalue);
      }
    }
    flush(queue);
  } catch {
    // Redis went away meanwhile: the next reconnection looks again.
  } finally {
    lastProgress = Date.now();
    reconciling = false;
  }
}

main().catch(fatal);
