// Lists the public API members without a doc comment, as an editor's hover shows them: every
// export of the package's type entry (classes, functions, interfaces, type aliases, constants)
// and every public member of its classes and interfaces (methods, properties, accessors,
// constructors and each overload). Classes must also show an @example. Reads the built
// declarations with the TypeScript compiler API.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('typescript');

function hasDoc(node) {
  return ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (d.comment || (d.tags && d.tags.length > 0)));
}

function hasExample(node) {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'example');
}

function isPublicMember(m) {
  if (ts.isPropertyDeclaration(m) || ts.isMethodDeclaration(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m) || ts.isConstructorDeclaration(m)) {
    const mods = ts.getCombinedModifierFlags(m);
    if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
    if (m.name && ts.isPrivateIdentifier(m.name)) return false;
    return true;
  }
  return ts.isPropertySignature(m) || ts.isMethodSignature(m) || ts.isConstructSignatureDeclaration(m) || ts.isCallSignatureDeclaration(m);
}

function memberName(m) {
  if (ts.isConstructorDeclaration(m) || ts.isConstructSignatureDeclaration(m)) return 'constructor';
  if (ts.isCallSignatureDeclaration(m)) return '(call)';
  return m.name?.getText() ?? '?';
}

/** Appends to `missing` the public members of class or interface `decl` without a doc. */
function checkMembers(decl, where, missing) {
  // A setter shares its getter's doc; one doc covers a group of overloads only if each has its own.
  const getters = new Set(decl.members.filter((m) => ts.isGetAccessor(m) && hasDoc(m)).map((m) => m.name.getText()));
  for (const m of decl.members) {
    if (!isPublicMember(m)) continue;
    if (ts.isSetAccessor(m) && getters.has(m.name.getText())) continue;
    // The implementation signature of overloads is not part of the public type.
    if ((ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m)) && m.body) continue;
    if (!hasDoc(m)) missing.push(`${where}.${memberName(m)}`);
  }
}

/** The class declaration a type alias names (`type Value<T> = ValueImpl<T>`), if any. */
function aliasedClass(checker, alias) {
  const symbol = checker.getTypeFromTypeNode(alias.type).getSymbol();
  return symbol?.declarations?.find((d) => ts.isClassDeclaration(d));
}

/** `["Class.member", ...]` of what has no doc comment in the declarations reachable from `entry`. */
export function undocumented(entry) {
  const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = checker.getSymbolAtLocation(source);
  const missing = [];
  for (let exported of checker.getExportsOfModule(module)) {
    if (exported.flags & ts.SymbolFlags.Alias) exported = checker.getAliasedSymbol(exported);
    for (const decl of exported.declarations ?? []) {
      const where = `${exported.name}`;
      if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
        if (!hasDoc(decl) && !(ts.isInterfaceDeclaration(decl) && exported.declarations.some((d) => d !== decl && hasDoc(d)))) missing.push(where);
        if (ts.isClassDeclaration(decl) && !hasExample(decl)) missing.push(`${where} (@example)`);
        checkMembers(decl, where, missing);
      } else if (ts.isFunctionDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isVariableDeclaration(decl) || ts.isEnumDeclaration(decl)) {
        const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
        if (!hasDoc(node)) missing.push(where);
        // An exported alias of an internal class is that class to its users: its members and
        // an @example (on the alias or the class) count as the class's.
        const cls = ts.isTypeAliasDeclaration(decl) ? aliasedClass(checker, decl) : undefined;
        if (cls !== undefined) {
          if (!hasExample(decl) && !hasExample(cls)) missing.push(`${where} (@example)`);
          checkMembers(cls, where, missing);
        }
      }
    }
  }
  return [...new Set(missing)];
}
