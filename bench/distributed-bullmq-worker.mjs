// The baseline worker of the distributed group: plain BullMQ, no native-threading. It runs
// each job in its own event loop: `inc` over job.data.items (a chunk), or nothing (a no-op
// job). Usage: node distributed-bullmq-worker.mjs REDIS_URL QUEUE; prints "ready".
import { Worker } from 'bullmq';

const [url, queue] = process.argv.slice(2);
const worker = new Worker(queue, async (job) => (job.data.items ? job.data.items.map((x) => x + 1) : null), {
  connection: { url, maxRetriesPerRequest: null },
  concurrency: 2,
});
worker.on('error', () => {});
await worker.waitUntilReady();
console.log('native-threading bench worker: ready,');
process.on('SIGTERM', () => worker.close().then(() => process.exit(0)));
