// Copies the latest results (bench/results.md: where and when, the table, the charts) into the
// README, between <!-- bench:start --> and <!-- bench:end -->. run.mjs calls it after a full run
// of every group; `node bench/readme-table.mjs` does it by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./results.md', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

export function updateReadme() {
  const md = readFileSync(RESULTS, 'utf8').split('\n');
  const field = (name) => md.find((l) => l.startsWith(`- ${name}: `))?.slice(name.length + 4) ?? '?';
  const table = md.filter((l) => l.startsWith('|'));
  const charts = md.filter((l) => l.startsWith('![')).map((l) => l.replace('](charts/', '](bench/charts/'));
  const peers = field('Node pool packages');
  const block = [
    START,
    `Measured ${field('Date').slice(0, 10)} (${field('Run').split(',')[0]} run) on ${field('CPU')}, ${field('Platform')}, ` +
      `Node.js ${field('Node')}, ${field('Python')}${peers === '?' ? '' : `; ${peers}`}. Ratio = ours / baseline, both measured in ` +
      'the same run; the notes behind each number are in [bench/results.md](bench/results.md).',
    '',
    ...table,
    '',
    ...charts,
    END,
  ].join('\n');
  const readme = readFileSync(README, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${START} ... ${END} block`);
  writeFileSync(README, readme.slice(0, from) + block + readme.slice(to + END.length));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) updateReadme();
