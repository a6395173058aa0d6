// Writes src/runtime/layout.ts from src-rs/layout.rs, the one definition of the shared-memory
// layout: each `pub mod rust_name as TsName { RUST_NAME as TsName: type = literal; }` group
// becomes `export const enum TsName { TsName = literal }`, so TypeScript inlines the values
// as literals. `npm run build` runs it before tsc; `--check` only reports whether the file is
// up to date (exit status 1 when it is not).
import { readFileSync, writeFileSync } from 'node:fs';

const SOURCE = new URL('../src-rs/layout.rs', import.meta.url);
const TARGET = new URL('../src/runtime/layout.ts', import.meta.url);

/** The groups of the `table!` invocation: `{ name, doc, members: [{ name, value, doc }] }`. */
export function parseLayout(text) {
  const start = text.indexOf('\ntable! {');
  if (start < 0) throw new Error('src-rs/layout.rs: no `table! {` invocation');
  const groups = [];
  let doc = [];
  let group = null;
  const lines = text.slice(start).split('\n').slice(2);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const where = `src-rs/layout.rs, line ${text.slice(0, start).split('\n').length + i + 2}`;
    let m;
    if (line === '') continue;
    if ((m = /^\/\/\/ ?(.*)$/.exec(line))) doc.push(m[1]);
    else if ((m = /^pub mod (\w+) as (\w+) \{$/.exec(line)) && group === null) {
      group = { name: m[2], doc, members: [] };
      doc = [];
    } else if ((m = /^(\w+) as (\w+): \w+ = (-?(?:0x[0-9a-fA-F_]+|[0-9_]+));$/.exec(line)) && group !== null) {
      group.members.push({ name: m[2], value: Number(m[3].replaceAll('_', '')), doc });
      doc = [];
    } else if (line === '}' && group !== null) {
      groups.push(group);
      group = null;
    } else if (line === '}' && group === null) {
      return groups;
    } else {
      throw new Error(`${where}: cannot read \`${line}\` (expected \`NAME as TsName: type = literal;\`)`);
    }
  }
  throw new Error('src-rs/layout.rs: the `table!` invocation does not end');
}

function comment(doc, indent) {
  if (doc.length === 0) return [];
  if (doc.length === 1) return [`${indent}/** ${doc[0]} */`];
  return [`${indent}/**`, ...doc.map((d) => `${indent} * ${d}`.trimEnd()), `${indent} */`];
}

export function renderLayout(groups) {
  const out = [
    '// Generated from src-rs/layout.rs by scripts/write-layout.mjs (`npm run build` runs it):',
    '// do not edit. The shared-memory layout, one definition for Rust and TypeScript.',
  ];
  for (const g of groups) {
    out.push('', ...comment(g.doc, ''), `export const enum ${g.name} {`);
    for (const m of g.members) out.push(...comment(m.doc, '  '), `  ${m.name} = ${m.value},`);
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

const wanted = renderLayout(parseLayout(readFileSync(SOURCE, 'utf8')));
let current = '';
try {
  current = readFileSync(TARGET, 'utf8');
} catch {}
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error('src/runtime/layout.ts is not what src-rs/layout.rs gives: run `npm run build`');
    process.exit(1);
  }
} else if (current !== wanted) {
  writeFileSync(TARGET, wanted);
}
