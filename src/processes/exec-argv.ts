// The Node options a child process inherits: those that shape how code runs (loaders such as
// `--import tsx`, `--require`, memory limits, conditions), not those that say what to run or
// how to supervise it. A child given the parent's `-e`/`-p` code would run that code again
// (and start the same child again, for ever); `--test`, `--watch`, `--check`, `--run` and `-i`
// would run the child's entry as something else; the inspector's port is the parent's.

/** Options dropped together with the value that follows them (unless written `--opt=value`). */
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep', '--run', '--watch-path']);
/** Options dropped alone. */
const ALONE = /^(--test|--watch|--watch-preserve-output|--check|-c|--interactive|-i|--(inspect|debug)(-brk|-port|-wait)?)(=|$)/;

export function childExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    const name = arg.split('=', 1)[0];
    if (WITH_VALUE.has(name)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    if (ALONE.test(arg)) continue;
    kept.push(arg);
  }
  return kept;
}
