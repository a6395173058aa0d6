// native-threading: Python's threading and multiprocessing for Node.js.
export { Lock } from './src/sync/lock';
export { RLock } from './src/sync/rlock';
export { Condition } from './src/sync/condition';
export { Semaphore, BoundedSemaphore } from './src/sync/semaphore';
export { Event } from './src/sync/event';
export { Barrier } from './src/sync/barrier';
export { BrokenBarrierError } from './src/runtime/errors';
export { sleep } from './src/sync/sleep';
export type { WaitOptions } from './src/runtime/validate';
export { Thread, currentThread, mainThread, activeCount, enumerate, getIdent } from './src/threads/thread';
export type { ThreadOptions } from './src/threads/thread';
export { isMainModule } from './src/targets/main-module';
export { Value } from './src/shared/value';
export type { ValueConstructor, ValueOptions } from './src/shared/value';
export { SharedArray } from './src/shared/shared-array';
export type { SharedArrayOptions } from './src/shared/shared-array';
export type { BigintTypecode, ElementOf, NumberTypecode, SharedTypedArray, Typecode, ViewOf } from './src/shared/typecode';
export type { ArgsOf, ItemOf, ResultOf } from './src/targets/types';

import { registerThisThread } from './src/threads/thread';
// The main thread, or a plain Worker's dummy thread, counts in activeCount()/enumerate() from
// every thread.
registerThisThread();
export { Process, currentProcess, parentProcess, activeChildren, cpuCount } from './src/processes/process';
export type { ProcessOptions } from './src/processes/process';
export { Queue, JoinableQueue, EmptyError, FullError } from './src/shared/queue';
export { Manager } from './src/shared/manager';
export { SharedDict } from './src/shared/shared-dict';
export type { SharedDictInit } from './src/shared/shared-dict';
export { SharedList } from './src/shared/shared-list';
export { Pool, ThreadPool } from './src/pool/pool';
export type { PoolOptions } from './src/pool/pool';
export { PoolIterator } from './src/pool/iterator';
export { AsyncResult, TimeoutError } from './src/pool/async-result';
