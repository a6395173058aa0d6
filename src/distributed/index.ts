// native-threading/distributed: the Pool API across machines, on BullMQ and Redis. A separate
// entry point, so that bullmq and ioredis (optional peer dependencies) load only with it.
export { DistributedPool } from './pool';
export type { DistributedPoolOptions } from './pool';
// A call's outcome is Pool's AsyncResult, waiting through the connector thread.
export { AsyncResult as DistributedResult } from '../pool/async-result';
export { DistributedIterator } from './iterator';
