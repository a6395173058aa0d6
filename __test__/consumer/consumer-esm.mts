// A project's TypeScript ES module against the installed package's types (type-checked with
// consumer.ts): named imports, the default import, and isMainModule(import.meta).
import nt, { isMainModule, Lock, Queue } from 'native-threading';

export function work(lock: Lock, q: Queue<string>): void {
  using _ = lock.hold();
  q.put('done');
}

if (isMainModule(import.meta)) {
  const lock: Lock = new nt.Lock();
  const q = new Queue<string>();
  work(lock, q);
  const item: string = q.get();
  console.log(item);
}
