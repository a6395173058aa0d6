// Where a benchmark run writes its report (results.json, results.md, charts/): a full run of
// every group into bench/ itself, where the tracked report lives; any other run into
// bench/partial/, which git ignores.
import { fileURLToPath } from 'node:url';

/** The folder for a run's report: bench/ when `complete` (every group, full length), else bench/partial/. */
export function reportDir(complete) {
  return fileURLToPath(new URL(complete ? '.' : './partial/', import.meta.url));
}
