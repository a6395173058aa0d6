// native-threading: Python's threading and multiprocessing for Node.js.
export { Lock } from './src/lock';
export { RLock } from './src/rlock';
export { Condition } from './src/condition';
export { Semaphore, BoundedSemaphore } from './src/semaphore';
export { Event } from './src/event';
export { Barrier } from './src/barrier';
export { BrokenBarrierError } from './src/errors';
export { sleep } from './src/sleep';
export type { WaitOptions } from './src/validate';
export { Thread, currentThread, mainThread, activeCount, enumerate, getIdent } from './src/thread';
export type { ThreadOptions } from './src/thread';
export { isMainModule } from './src/main-module';
export { Value } from './src/value';
export type { ValueOptions } from './src/value';
export { SharedArray } from './src/shared-array';
export type { SharedArrayOptions } from './src/shared-array';
export type { Typecode, SharedTypedArray } from './src/typecode';

import { isMainThread } from 'node:worker_threads';
import { mainThread } from './src/thread';
// The main thread counts in activeCount()/enumerate() from every thread.
if (isMainThread) mainThread();
export { Process, currentProcess, parentProcess, activeChildren, cpuCount } from './src/process';
export type { ProcessOptions } from './src/process';
export { Queue, JoinableQueue, EmptyError, FullError } from './src/queue';
export { Manager } from './src/manager';
export { SharedDict } from './src/shared-dict';
export type { SharedDictInit } from './src/shared-dict';
export { SharedList } from './src/shared-list';
export { Pool, ThreadPool } from './src/pool';
export type { PoolOptions } from './src/pool';
export { PoolIterator } from './src/pool-iterator';
export { AsyncResult, TimeoutError } from './src/async-result';
