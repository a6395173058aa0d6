#!/usr/bin/env node
// `native-threading worker --redis URL --queue NAME --import ./tasks.mjs [...]`: runs the jobs
// of a DistributedPool's queue. SIGTERM (or SIGINT): takes no more jobs, finishes the running
// ones, exits 0.
import { parseArgs } from 'node:util';
import { startWorker, WorkerOptions } from './worker';

const USAGE = `usage: native-threading worker --redis redis://host:port --queue NAME --import ./tasks.mjs
         [--import ./more.mjs ...] [--processes N] [--initializer module#export]
         [--maxtasksperchild N] [--concurrency N] [--prefix PREFIX]
         [--lock-duration MS] [--stalled-interval MS] [--max-stalled-count N]`;

function fail(message: string): never {
  console.error(`native-threading: ${message}\n${USAGE}`);
  process.exit(2);
}

function count(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} must be a positive integer, got ${text}`);
  return n;
}

function parse(argv: string[]): WorkerOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        import: { type: 'string', multiple: true },
        processes: { type: 'string' },
        initializer: { type: 'string' },
        maxtasksperchild: { type: 'string' },
        concurrency: { type: 'string' },
        prefix: { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'max-stalled-count': { type: 'string' },
      },
    }).values;
  } catch (e) {
    fail((e as Error).message);
  }
  if (parsed.redis === undefined || !/^rediss?:\/\//.test(parsed.redis)) fail('--redis redis://host:port is required');
  if (parsed.queue === undefined || parsed.queue === '') fail('--queue NAME is required');
  if (parsed.import === undefined || parsed.import.length === 0) fail('--import MODULE is required (the modules whose exported functions this worker runs)');
  return {
    redis: parsed.redis,
    queue: parsed.queue,
    prefix: parsed.prefix,
    imports: parsed.import,
    processes: count(parsed.processes, '--processes'),
    initializer: parsed.initializer,
    maxTasksPerChild: count(parsed.maxtasksperchild, '--maxtasksperchild'),
    concurrency: count(parsed.concurrency, '--concurrency'),
    lockDuration: count(parsed['lock-duration'], '--lock-duration'),
    stalledInterval: count(parsed['stalled-interval'], '--stalled-interval'),
    maxStalledCount: count(parsed['max-stalled-count'], '--max-stalled-count'),
  };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'worker') fail(command === undefined ? 'no command given' : `unknown command ${command}`);
  const options = parse(rest);
  for (const name of ['bullmq', 'ioredis']) {
    try {
      require.resolve(name);
    } catch {
      console.error(`native-threading worker needs ${name}: npm install bullmq ioredis`);
      process.exit(2);
    }
  }
  const worker = await startWorker(options);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log(`native-threading worker ${process.pid}: stopping (finishing the running jobs)`);
    worker.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`native-threading worker ${process.pid}: ready, queue ${options.queue}, modules ${worker.modules.join(', ')}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`native-threading worker: ${(e as Error)?.stack ?? String(e)}`);
  process.exit(1);
});
