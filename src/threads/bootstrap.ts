// The entry of a worker started by Thread.start(): rebuilds the Thread, imports the target,
// reports back to the blocked start(), runs, and reports the end.
import { writeSync } from 'node:fs';
import { MessagePort, workerData } from 'node:worker_threads';
import { Event } from '../sync/event';
import { native } from '../runtime/native';
// Every shareable class registers how to revive itself when its module loads: load them all,
// since a target's arguments may hold any of them even if its module never imports the package.
import '../../index';
import { revive } from '../runtime/handle-transfer';
import { actionsLoading } from '../sync/barrier';
import { sleep } from '../sync/sleep';
import { inheritTsx } from '../runtime/loader-hooks';
import { load } from '../targets/load';
import { errorRecord } from '../runtime/error-record';
import { Thread, threadInternals, ThreadSpec } from './thread';

interface BootData {
  spec: ThreadSpec;
  started: unknown;
  done: unknown;
  port: MessagePort;
}

// Threads write straight to the process's descriptors, in program order, as Python threads do
// (a worker's stdout is otherwise relayed asynchronously through the parent's event loop).
// The descriptors may be non-blocking pipes: a full pipe (EAGAIN) is waited out, and short
// writes are completed, so no output is lost.
function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) {
    try {
      done += writeSync(fd, data, done);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      sleep(1);
    }
  }
}

for (const [stream, fd] of [
  [process.stdout, 1],
  [process.stderr, 2],
] as const) {
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
    writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk);
    const callback = typeof encoding === 'function' ? encoding : cb;
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    return true;
  }) as typeof stream.write;
}

async function main(): Promise<void> {
  const { spec, port } = workerData as BootData;
  const started = Event.from((workerData as BootData).started);
  const done = Event.from((workerData as BootData).done);
  // However this thread ends, its record goes and join() returns.
  native.threadAtExit(spec.record, Event.handleOf(done));
  native.threadAtExit(spec.record, Event.handleOf(started));
  let thread: Thread;
  try {
    await inheritTsx();
    const target = spec.target ? await load(spec.target, 'target') : undefined;
    const cls = spec.subclass ? ((await load(spec.subclass, 'Thread subclass')) as typeof Thread) : Thread;
    const options = { target, name: spec.name, args: revive(spec.args) as unknown[], daemon: spec.daemon, kwargs: revive(spec.kwargs) as Record<string, unknown> | undefined };
    thread = Reflect.construct(Thread, [options], cls) as Thread;
    Object.assign(thread, revive(spec.fields));
    await actionsLoading();
  } catch (e) {
    port.postMessage({ error: errorRecord(e) });
    started.set();
    return;
  }
  const [ident, nativeId] = native.currentIdent();
  native.threadStarted(spec.record, ident, nativeId);
  threadInternals.running(thread, spec.record, ident, nativeId, done);
  port.postMessage({ ident, nativeId });
  started.set();
  try {
    await thread.run();
  } catch (e) {
    // Python's threading.excepthook: the error and its stack on stderr; join() does not rethrow.
    const detail = e instanceof Error ? (e.stack ?? String(e)) : String(e);
    process.stderr.write(`Exception in thread ${thread.name}:\n${detail}\n`);
  } finally {
    native.threadUnregister(spec.record);
    done.set();
  }
}

void main();
