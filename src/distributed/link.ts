// The calling thread's end of the connector thread. Messages arrive on a MessagePort: on the
// event loop for the async forms, and through receiveMessageOnPort for a blocking call, which
// sleeps in Atomics.wait on a counter the connector bumps after each message. Only the calling
// thread blocks; the connector keeps talking to Redis meanwhile.
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { ResultPump } from '../pool/async-result';
import type { ConnectorData, ToConnector, ToPool } from './protocol';

export class ConnectorLink implements ResultPump {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  readonly #onMessage: (msg: ToPool) => void;
  #holds = 0;

  constructor(data: Omit<ConnectorData, 'signal'>, onMessage: (msg: ToPool) => void) {
    this.#onMessage = onMessage;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(join(__dirname, 'connector.js'), {
      workerData: { ...data, signal: this.#signal, port: port2 },
      transferList: [port2],
    });
    // The thread reports its own failures as messages; a failure to start it at all ends in
    // the 'error' event, which the pool learns about through `onExit`.
    this.#worker.on('error', () => {});
    this.#worker.unref();
    port1.on('message', (msg: ToPool) => this.#onMessage(msg));
    port1.unref();
  }

  /** Calls `fn` when the connector thread has ended. */
  onExit(fn: () => void): void {
    this.#worker.on('exit', fn);
  }

  send(msg: ToConnector): void {
    this.#port.postMessage(msg);
  }

  /** Handles the messages that have arrived, without blocking. */
  poll(): void {
    for (let m = receiveMessageOnPort(this.#port); m !== undefined; m = receiveMessageOnPort(this.#port)) {
      this.#onMessage(m.message as ToPool);
    }
  }

  /** Blocks the calling thread, handling messages, until `done()` or `timeoutMs` (-1: no limit)
   * pass. Returns `done()`. */
  waitUntil(done: () => boolean, timeoutMs: number): boolean {
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.#signal, 0);
      this.poll();
      if (done()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.#signal, 0, seen, left === Infinity ? undefined : left);
    }
  }

  /** A result's blocking wait (`ResultPump`): as waitUntil. */
  runUntil(done: () => boolean, timeoutMs: number): void {
    this.waitUntil(done, timeoutMs);
  }

  /** Nothing to do (`ResultPump`): while work is outstanding the port is referenced (hold()), so
   * its messages reach the event loop as they arrive. */
  arm(): void {}

  /** Keeps the event loop alive (outstanding work) until the matching release(). */
  hold(): void {
    if (this.#holds++ === 0) this.#port.ref();
  }

  release(): void {
    if (--this.#holds === 0) this.#port.unref();
  }
}
