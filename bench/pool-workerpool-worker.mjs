// workerpool's worker script for bench/pool.mjs: registers the same task as
// the other pools run (pool-targets.mjs), under the name 'inc'.
import workerpool from 'workerpool';
import { inc } from './pool-targets.mjs';

workerpool.worker({ inc });
