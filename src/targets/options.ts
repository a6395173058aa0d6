// What Thread and Process share: Python's (target, name, args, kwargs, daemon) options, and
// the default run().
import { invalidArgType } from '../runtime/errors';
import type { ArgsOf } from './types';

/**
 * Python's `(target, name, args, kwargs, daemon)`. `args` follows the target's parameters
 * (required when the target has required parameters); with `kwargs`, which the target gets as
 * one last argument, `args` is not checked.
 */
export type TargetOptions<F extends Function = Function> = {
  /** Python's `name`: default `Thread-N (target)` / `Process-N`. */
  name?: string;
  /** Python's `daemon`: default the creating thread's or process's. */
  daemon?: boolean;
} & (
  | ({
      /** The exported function to run (see "Targets must be exported" in the README). */
      target?: F | null;
      kwargs?: undefined;
    } & ([] extends ArgsOf<F> ? { args?: NoInfer<ArgsOf<F>> } : { args: NoInfer<ArgsOf<F>> }))
  | {
      target?: F | null;
      args?: unknown[];
      /** Python's `kwargs`: passed as one last argument. */
      kwargs: Record<string, unknown>;
    }
);

/** The options, checked: `daemon` and `name` stay undefined when not given. */
export function checkOptions(options: unknown): {
  target: Function | undefined;
  name: string | undefined;
  args: unknown[];
  kwargs: Record<string, unknown> | undefined;
  daemon: boolean | undefined;
} {
  if (typeof options !== 'object' || options === null) throw invalidArgType('The "options" argument must be of type object', options);
  const { target, name, args, kwargs, daemon } = options as { target?: unknown; name?: unknown; args?: unknown; kwargs?: unknown; daemon?: unknown };
  if (target !== undefined && target !== null && typeof target !== 'function') {
    throw invalidArgType('The "options.target" property must be a function', target);
  }
  if (args !== undefined && !Array.isArray(args)) throw invalidArgType('The "options.args" property must be an array', args);
  if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null)) {
    throw invalidArgType('The "options.kwargs" property must be an object', kwargs);
  }
  if (name !== undefined && typeof name !== 'string') throw invalidArgType('The "options.name" property must be a string', name);
  if (daemon !== undefined && daemon !== null && typeof daemon !== 'boolean') {
    throw invalidArgType('The "options.daemon" property must be a boolean', daemon);
  }
  return {
    target: (target ?? undefined) as Function | undefined,
    name: name as string | undefined,
    args: (args ?? []) as unknown[],
    kwargs: kwargs as Record<string, unknown> | undefined,
    daemon: (daemon ?? undefined) as boolean | undefined,
  };
}

/** Python's default run(): the target with args, and kwargs as one last argument. */
export function runTarget(target: Function | undefined, args: unknown[], kwargs: Record<string, unknown> | undefined): unknown {
  if (!target) return undefined;
  return kwargs === undefined ? target(...args) : target(...args, kwargs);
}
