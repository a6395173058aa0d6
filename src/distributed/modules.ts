// Task modules and their portable names. A function travels as (module name, export name,
// hash of the module's source). The name is the module's path relative to the nearest
// directory holding a package.json, after that package's name ("app/lib/tasks.mjs"), so the
// caller and the workers may keep the project at different absolute paths.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface TaskModule {
  /** The portable name: `<package name>/<path inside the package>`. */
  name: string;
  /** The absolute path of the file. */
  file: string;
  /** Its file: URL, to import(). */
  url: string;
  /** sha256 of the file's bytes, hex. */
  hash: string;
}

/** A module given as a path (relative to `cwd`), an absolute path or a file: URL. */
export function taskModule(spec: string | URL, cwd: string = process.cwd()): TaskModule {
  const text = String(spec);
  const file = text.startsWith('file:') ? fileURLToPath(text) : resolve(cwd, text);
  const source = readFileSync(file);
  return { name: portableName(file, cwd), file, url: pathToFileURL(file).href, hash: createHash('sha256').update(source).digest('hex') };
}

function portableName(file: string, cwd: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const inside = relative(dir, file).split(sep).join('/');
      return `${packageName(manifest) ?? '.'}/${inside}`;
    }
    if (dirname(dir) === dir) break;
  }
  // No package.json above the module: its path from the working directory.
  return `./${relative(cwd, file).split(sep).join('/')}`;
}

function packageName(manifest: string): string | undefined {
  try {
    const name: unknown = JSON.parse(readFileSync(manifest, 'utf8')).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** `module#export` (the worker's --initializer) split into its parts. */
export function splitReference(ref: string): { module: string; exportName: string } | undefined {
  const at = ref.lastIndexOf('#');
  if (at <= 0 || at === ref.length - 1) return undefined;
  return { module: ref.slice(0, at), exportName: ref.slice(at + 1) };
}
