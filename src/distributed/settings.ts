// The BullMQ settings both sides use, in one place (the README's "Scaling out" documents them).
import type { ConnectionOptions, JobsOptions } from 'bullmq';

/** A worker's lock on a job lasts this long and is renewed every half of it. */
export const LOCK_DURATION_MS = 5000;
/** How often workers look for jobs whose lock has expired (their worker died). A dead worker's
 * job is back in the queue within about LOCK_DURATION_MS + STALLED_INTERVAL_MS (under 10 s). */
export const STALLED_INTERVAL_MS = 2500;
/** How many times a job may lose its worker and run again before it fails (ERR_WORKER_DIED). */
export const MAX_STALLED_COUNT = 2;

/** Jobs: one attempt (a task's error is its result, never retried, as in Pool); finished jobs
 * stay a minute (a caller that missed the event reads them), failed ones an hour. */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: { age: 60 },
  removeOnFail: { age: 3600 },
};

/** A caller that has heard nothing for this long looks its outstanding jobs up in Redis. */
export const RECONCILE_MS = 3000;

/** How long a caller waits for Redis, while results are outstanding, before failing them. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 20_000;

/** The connection options BullMQ gets for a Redis URL: commands wait through a reconnection
 * (BullMQ's blocking reads need that), and reconnections are tried every 0.1 to 1 s. */
export function redisConnection(url: string, options: Record<string, unknown>): ConnectionOptions {
  return {
    ...options,
    url,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
}
