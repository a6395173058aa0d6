// Runs every JavaScript and TypeScript code block of README.md as a program, as a user would
// after `npm install native-threading`, and type-checks the TypeScript ones.
//
// - A block whose language is js/javascript/mjs/cjs/ts/typescript/mts/cts is run; others
//   (bash, text, ...) are not. `<!-- readme-test: skip (reason) -->` on the line before a
//   block skips it (for deliberate fragments; keep these rare).
// - A block's first line may name its file (`// counter.ts: ...`); its extension decides how
//   it runs. Without one: JavaScript with import/export is an ES module (.mjs), else CommonJS
//   (.cjs); TypeScript that uses import.meta is an ES module (.mts), else CommonJS (.ts).
// - Each block is written to its own folder of one temporary project in which
//   `native-threading` is this checkout (node_modules/native-threading -> the repository root,
//   so its package.json "exports" pick dist/) and `tsx` is the checkout's. The project's
//   package.json has no "type", as `npm init` leaves it: .ts and .js files are CommonJS.
// - JavaScript runs with `node`; TypeScript with `node --require tsx/cjs` (CommonJS) or
//   `node --import tsx` (ES modules). (On Node 20, `--import` hooks do not reach worker threads;
//   `--require tsx/cjs` does, and Threads inherit it.)
// - The program must exit with status 0 within its time, and when the README shows a ```text
//   block right after it (only prose, no heading, in between), stdout must be exactly that.
// - All TypeScript blocks together must pass `tsc --noEmit --strict` (TypeScript and
//   @types/node of the checkout).
//
// Needs a built checkout (`npm install` builds it). README_TEST_KEEP=1 keeps the temporary
// project and prints where it is; README_TEST_FILE=path checks another Markdown file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { strictTsconfig, TSC } from './helpers/tsc.mjs';
import { ROOT, runNode } from './helpers/util.mjs';

/** README_TEST_FILE: another Markdown file to check (to try the test on a broken copy). */
const README = process.env.README_TEST_FILE ?? join(ROOT, 'README.md');
/** Each block's time bound (a deadlock fails the block instead of hanging the suite). */
const BLOCK_TIMEOUT_MS = 20_000;
/** Blocks run at the same time (each may start processes and threads of its own). */
const CONCURRENCY = 3;

const RUN = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript', 'mts', 'cts']);
const TS_LANGS = new Set(['ts', 'typescript', 'mts', 'cts']);
const SKIP = /^<!--\s*readme-test:\s*skip\b(.*)-->\s*$/;
const FILE_COMMENT = /^\/\/\s*([\w.-]+\.(?:mjs|cjs|js|mts|cts|ts))\b/;

/**
 * The fenced blocks of a Markdown text: { lang, code, line (1-based, of the opening fence),
 * skip (the reason, or undefined), expected (stdout of a following ```text block, or undefined) }.
 */
function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const fences = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].trimStart().startsWith(fence); j++) body.push(lines[j].slice(indent.length));
    if (j === lines.length) throw new Error(`README.md:${i + 1}: the code block is not closed`);
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const skip = k >= 0 ? lines[k].trim().match(SKIP) : null;
    fences.push({ lang: lang.toLowerCase(), code: `${body.join('\n')}\n`, line: i + 1, end: j + 1, skip: skip ? skip[1].trim() || '(no reason given)' : undefined });
    i = j;
  }
  for (let n = 0; n < fences.length; n++) {
    const next = fences[n + 1];
    if (!next || next.lang !== 'text') continue;
    const between = lines.slice(fences[n].end, next.line - 1);
    if (between.some((l) => /^\s*#/.test(l))) continue;
    fences[n].expected = next.code;
  }
  return fences;
}

/** How a block runs: its file name and node's arguments before the file. */
function planOf(block, index) {
  const named = block.code.split('\n')[0].match(FILE_COMMENT)?.[1];
  let file = named;
  if (file === undefined) {
    let ext;
    if (block.lang === 'mts' || block.lang === 'cts' || block.lang === 'mjs' || block.lang === 'cjs') ext = block.lang;
    else if (TS_LANGS.has(block.lang)) ext = /import\.meta/.test(block.code) ? 'mts' : 'ts';
    else ext = /^\s*(import|export)\s|import\.meta/m.test(block.code) ? 'mjs' : 'cjs';
    file = `block.${ext}`;
  }
  const ts = /\.[mc]?ts$/.test(file);
  const esm = /\.mts$/.test(file) || /\.mjs$/.test(file);
  const loader = !ts ? [] : esm ? ['--import', 'tsx'] : ['--require', 'tsx/cjs'];
  return { dir: `block-${String(index + 1).padStart(2, '0')}-line-${block.line}`, file, ts, loader };
}

const markdown = readFileSync(README, 'utf8');
const blocks = extractBlocks(markdown);
const runnable = blocks.filter((b) => RUN.has(b.lang));
const toRun = runnable.filter((b) => b.skip === undefined).map((b, i) => ({ ...b, plan: planOf(b, i) }));

let project;

test.before(() => {
  project = mkdtempSync(join(tmpdir(), 'native-threading-readme-'));
  mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
  symlinkSync(ROOT, join(project, 'node_modules', 'native-threading'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(project, 'node_modules', 'tsx'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'readme-examples', private: true }, null, 2)}\n`);
  for (const b of toRun) {
    mkdirSync(join(project, b.plan.dir));
    writeFileSync(join(project, b.plan.dir, b.plan.file), b.code);
  }
});

test.after.always(() => {
  if (!project) return;
  if (process.env.README_TEST_KEEP) console.log(`README examples kept in ${project}`);
  else rmSync(project, { recursive: true, force: true });
});

test('README.md has runnable JavaScript and TypeScript blocks, and every skip gives a reason', (t) => {
  t.true(toRun.some((b) => b.plan.ts), 'no TypeScript block is run');
  t.true(toRun.some((b) => !b.plan.ts), 'no JavaScript block is run');
  for (const b of runnable) if (b.skip !== undefined) t.not(b.skip, '(no reason given)', `README.md:${b.line}: a skipped block must say why`);
  const names = toRun.map((b) => `${b.plan.dir}/${b.plan.file}`);
  t.is(new Set(names).size, names.length);
});

/** A small pool: at most CONCURRENCY programs at once. */
let running = 0;
const queued = [];
async function slot(fn) {
  if (running >= CONCURRENCY) await new Promise((resolve) => queued.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queued.shift()?.();
  }
}

/** Runs `node ...args` in `cwd` as a user would (no NODE_OPTIONS of the test runner). */
const runIn = (args, cwd, timeout) => runNode(args, { cwd, timeout, env: { NODE_OPTIONS: '' } });

const normalize = (s) =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

for (const b of toRun) {
  const { dir, file, loader } = b.plan;
  test(`README.md:${b.line} (${b.lang}, run as ${file}) exits with 0${b.expected !== undefined ? ' and prints what the README shows' : ''}`, async (t) => {
    const r = await slot(() => runIn([...loader, file], join(project, dir), BLOCK_TIMEOUT_MS));
    const how = `node ${[...loader, file].join(' ')}`;
    const report = `${how}: ${r.killed ? `killed after ${BLOCK_TIMEOUT_MS} ms` : `exit code ${r.code}, signal ${r.signal}`} (${Math.round(r.ms)} ms)\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
    t.false(r.killed, report);
    t.is(r.code, 0, report);
    if (b.expected !== undefined) t.is(normalize(r.stdout), normalize(b.expected), `stdout differs from the README's text block after line ${b.line}\n${report}`);
  });
}

test('the TypeScript blocks pass tsc --noEmit --strict', async (t) => {
  const files = toRun.filter((b) => b.plan.ts).map((b) => `${b.plan.dir}/${b.plan.file}`);
  const tsconfig = strictTsconfig(files, { types: ['node'], skipLibCheck: true });
  writeFileSync(join(project, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const r = await runIn([TSC, '-p', 'tsconfig.json', '--strict', '--noEmit'], project, 60_000);
  // Point errors at README lines: `block-NN-line-L/file(l,c)` is README line L + l.
  const out = `${r.killed ? 'tsc was killed after 60 s\n' : ''}${r.stdout}${r.stderr}`.replace(/block-\d+-line-(\d+)\/[\w.-]+\((\d+),(\d+)\)/g, (m, fence, l, c) => `${m} [README.md:${Number(fence) + Number(l)}:${c}]`);
  t.is(r.code, 0, out);
});
