// workerpool's worker script for the realistic-payload ThreadPool rows (bench/pool-real.mjs):
// the same tasks as the other pools run (pool-real-targets.mjs).
import workerpool from 'workerpool';
import { add, field } from './pool-real-targets.mjs';

workerpool.worker({ add, field });
