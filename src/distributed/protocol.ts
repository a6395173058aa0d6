// Messages between a DistributedPool (on the calling thread) and its connector thread, which
// owns the Redis connections. After each message to the pool the connector bumps a counter in
// shared memory, so a blocking call waits for it with Atomics.wait and reads the message with
// receiveMessageOnPort.
import type { EncodedError, JobData, JobResult } from './wire';

/** An exported function of a task module, as the connector found it. */
export interface ExportEntry {
  module: string;
  exportName: string;
  /** The function's own name and source text, to recognise it on the calling thread. */
  fnName: string;
  source: string;
}

export interface ConnectorData {
  redis: string;
  redisOptions: Record<string, unknown>;
  queue: string;
  prefix: string | undefined;
  /** file: URLs of the task modules, with their portable names. */
  modules: Array<{ name: string; url: string }>;
  connectionTimeout: number;
  /** The first part of every job id of this pool. */
  poolId: string;
  signal: Int32Array;
}

export type ToConnector =
  | { t: 'submit'; call: number; jobs: Array<{ index: number; data: JobData }> }
  | { t: 'cancel'; call: number }
  | { t: 'close' }
  | { t: 'terminate' };

export type ToPool =
  | { t: 'ready'; exports: ExportEntry[]; error?: EncodedError }
  | { t: 'chunk'; call: number; index: number; result: JobResult }
  | { t: 'fail'; call: number; error: EncodedError }
  | { t: 'closed' };
