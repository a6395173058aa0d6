// Writes dist/index.mjs: the ES module entry re-exports the CommonJS build, so both module
// systems share one instance of the library (one thread registry, one set of classes).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const names = Object.keys(require('../dist/index.js')).filter((n) => n !== 'default' && n !== '__esModule');
const lines = [
  "import cjs from './index.js';",
  `export const { ${names.join(', ')} } = cjs;`,
  'export default cjs;',
  '',
];
writeFileSync(new URL('../dist/index.mjs', import.meta.url), lines.join('\n'));
