// What a module's source says, read without evaluating it (acorn parses the JavaScript that V8
// compiled): which export, if any, binds the function defined at a given offset, and whether
// the module imports a test framework.
import type { Node, Program } from 'acorn';

export interface ModuleFacts {
  /** The export name bound to the function or class defined at `offset`, or null. */
  exportAt(offset: number): string | null;
  /** The test framework the module imports (`node:test`, `ava`, ...), if any. */
  testFramework: string | undefined;
}

/** Modules whose import marks a file of tests: a test runner evaluates such a file, and
 * evaluating it again elsewhere would run (and report) its tests again. */
const TEST_FRAMEWORKS = new Set(['node:test', 'ava', 'vitest', '@jest/globals', 'mocha', 'tap', 'node:test/reporters']);

interface AnyNode extends Node {
  [key: string]: unknown;
}

const FUNCTION_LIKE = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ClassDeclaration', 'ClassExpression']);

const cache = new Map<string, ModuleFacts>();

/** The facts of a script's `source`, parsed once per script. Throws a SyntaxError when acorn
 * cannot parse it. */
export function moduleFacts(scriptId: string, source: string, isModule: boolean): ModuleFacts {
  let facts = cache.get(scriptId);
  if (facts === undefined) {
    facts = analyse(source, isModule);
    cache.set(scriptId, facts);
  }
  return facts;
}

function analyse(source: string, isModule: boolean): ModuleFacts {
  // Loaded here, not at the package's load: only programs that start targets need a parser.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const acorn = require('acorn') as typeof import('acorn');
  const program: Program = acorn.parse(source, {
    ecmaVersion: 'latest',
    sourceType: isModule ? 'module' : 'script',
    allowHashBang: true,
    allowReturnOutsideFunction: !isModule,
    allowAwaitOutsideFunction: true,
  });

  // Top-level bindings of functions and classes: local name -> the node defining it.
  const localOf = new Map<Node, string>();
  // Export names by local name, and exports of an expression (`export default () => {}`).
  const exportsOf = new Map<string, string>();
  const exportedNodes = new Map<Node, string>();
  const bindDeclaration = (decl: AnyNode): void => {
    if ((decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') && decl.id) {
      localOf.set(decl, (decl.id as AnyNode).name as string);
    } else if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations as AnyNode[]) {
        const id = d.id as AnyNode;
        const init = d.init as AnyNode | null;
        if (id.type === 'Identifier' && init && FUNCTION_LIKE.has(init.type)) localOf.set(init, id.name as string);
      }
    }
  };
  const exportName = (n: AnyNode): string => (n.type === 'Identifier' ? (n.name as string) : String(n.value));

  for (const stmt of program.body as AnyNode[]) {
    if (stmt.type === 'ExportNamedDeclaration') {
      const decl = stmt.declaration as AnyNode | null;
      if (decl) {
        bindDeclaration(decl);
        for (const [node, local] of localOf) if (node === decl || isInside(node, decl)) exportsOf.set(local, local);
        // `export const g = f`: g exports the function f names.
        if (decl.type === 'VariableDeclaration') {
          for (const d of decl.declarations as AnyNode[]) {
            const id = d.id as AnyNode;
            const init = d.init as AnyNode | null;
            if (id.type === 'Identifier' && init?.type === 'Identifier' && !exportsOf.has(init.name as string)) exportsOf.set(init.name as string, id.name as string);
          }
        }
      } else if (!stmt.source) {
        for (const spec of stmt.specifiers as AnyNode[]) {
          const local = exportName(spec.local as AnyNode);
          if (!exportsOf.has(local)) exportsOf.set(local, exportName(spec.exported as AnyNode));
        }
      }
    } else if (stmt.type === 'ExportDefaultDeclaration') {
      const decl = stmt.declaration as AnyNode;
      if (decl.type === 'Identifier') {
        if (!exportsOf.has(decl.name as string)) exportsOf.set(decl.name as string, 'default');
      } else {
        exportedNodes.set(decl, 'default');
        bindDeclaration(decl);
      }
    } else {
      bindDeclaration(stmt);
    }
  }

  // Every function-like node (for the offset lookup) and the modules the source loads.
  const functions: AnyNode[] = [];
  let testFramework: string | undefined;
  walk(program as unknown as AnyNode, (n) => {
    if (FUNCTION_LIKE.has(n.type)) functions.push(n);
    const spec = loadedModule(n);
    if (spec !== undefined && testFramework === undefined && TEST_FRAMEWORKS.has(spec)) testFramework = spec;
  });

  return {
    testFramework,
    exportAt(offset) {
      const node = definedAt(functions, offset);
      if (node === undefined) return null;
      const direct = exportedNodes.get(node);
      if (direct !== undefined) return direct;
      const local = localOf.get(node);
      return local === undefined ? null : (exportsOf.get(local) ?? null);
    },
  };
}

function isInside(inner: Node, outer: Node): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** The innermost function or class whose definition starts at `offset`: V8 places a function
 * at its parameter list (after `function name`, `async`, a method's key) and a class at
 * `class`. */
function definedAt(functions: AnyNode[], offset: number): AnyNode | undefined {
  let best: AnyNode | undefined;
  for (const n of functions) {
    const isClass = n.type === 'ClassDeclaration' || n.type === 'ClassExpression';
    const headEnd = isClass ? n.start : (n.body as AnyNode).start;
    if (n.start <= offset && offset <= headEnd && (best === undefined || n.start >= best.start)) best = n;
  }
  return best;
}

/** The specifier of `import ... from 'x'`, `export ... from 'x'`, `import('x')` or
 * `require('x')` with a literal string, else undefined. */
function loadedModule(n: AnyNode): string | undefined {
  let source: AnyNode | undefined;
  if (n.type === 'ImportDeclaration' || n.type === 'ImportExpression' || ((n.type === 'ExportNamedDeclaration' || n.type === 'ExportAllDeclaration') && n.source)) {
    source = n.source as AnyNode;
  } else if (n.type === 'CallExpression' && (n.callee as AnyNode).type === 'Identifier' && (n.callee as AnyNode).name === 'require') {
    source = (n.arguments as AnyNode[])[0];
  }
  return source?.type === 'Literal' && typeof source.value === 'string' ? source.value : undefined;
}

function walk(node: AnyNode, visit: (n: AnyNode) => void): void {
  visit(node);
  for (const key in node) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (isNode(child)) walk(child, visit);
    } else if (isNode(value)) {
      walk(value, visit);
    }
  }
}

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}
