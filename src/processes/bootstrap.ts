// The entry of a child started by Process.start(): maps the parent's arena (at load of the
// native addon), watches the parent, rebuilds the Process and runs it. Exit code 0, or 1 when
// the target threw (its stack printed as Python prints a child's traceback).
import { deserialize } from 'node:v8';
import { native } from '../runtime/native';
import { CHILD_ENV, ChildMeta, Process, processInternals, ProcessSpec, setParentProcess } from './process';
// Every shareable class registers how to revive itself when its module loads: load them all,
// since a target's arguments may hold any of them even if its module never imports the package.
import '../../index';
import { revive } from '../runtime/handle-transfer';
import { actionsLoading } from '../sync/barrier';
import { load } from '../targets/load';
import { errorRecord } from '../runtime/error-record';

async function main(): Promise<void> {
  const meta = JSON.parse(process.env[CHILD_ENV] ?? '{}') as ChildMeta;
  // What this child starts itself (or any program it runs) must not take these for its own.
  delete process.env[CHILD_ENV];
  delete process.env.NATIVE_THREADING_ARENA_FD;
  native.watchParent(meta.deathFd);
  const spec = revive(deserialize(native.bytesTake(meta.payload))) as ProcessSpec;
  // As Python's spawn does, the child knows who it is before it imports the target's module.
  processInternals.becomeCurrent(processInternals.view(spec.name, process.pid, spec.daemon), spec.identity);
  setParentProcess(processInternals.view(spec.parent.name, spec.parent.pid, false));
  let target: Function | undefined;
  let cls: typeof Process;
  try {
    target = spec.target ? await load(spec.target, 'target') : undefined;
    cls = spec.subclass ? ((await load(spec.subclass, 'Process subclass')) as typeof Process) : Process;
  } catch (e) {
    // start() in the parent is waiting for this: it throws the error there.
    spec.ack.put({ error: errorRecord(e) });
    process.exitCode = 1;
    return;
  }
  await actionsLoading();
  spec.ack.put({ ok: true });
  const options = {
    target,
    name: spec.name,
    daemon: spec.daemon,
    args: spec.args,
    kwargs: spec.kwargs,
  };
  const me = processInternals.construct(cls, options);
  Object.assign(me, spec.fields);
  processInternals.becomeCurrent(me, spec.identity);
  try {
    await me.run();
  } catch (e) {
    const detail = e instanceof Error ? (e.stack ?? String(e)) : String(e);
    process.stderr.write(`Process ${me.name}:\n${detail}\n`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  const detail = e instanceof Error ? (e.stack ?? String(e)) : String(e);
  process.stderr.write(`${detail}\n`);
  process.exitCode = 1;
});
