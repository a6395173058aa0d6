// native-threading/distributed: the Pool API across machines, on BullMQ and Redis. A separate
// entry point, so that bullmq and ioredis (optional peer dependencies) load only with it.
export { DistributedPool } from './pool';
export type { DistributedPoolOptions } from './pool';
export { DistributedResult } from './result';
export { DistributedIterator } from './iterator';
