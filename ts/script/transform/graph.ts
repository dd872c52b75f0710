/**
 * The module graph: each module's export table and where each of its import specifiers leads
 * (another module of the graph, a built-in such as `k6/http`, or something the caller did not pass).
 */
import type { Identifier, Literal, Node, Pattern } from 'acorn';
import type { Variable } from 'eslint-scope';
import type { ParsedModule } from './parse';
import type { Value } from './values';

export type ModuleRef =
  | { readonly kind: 'local'; readonly module: ModuleInfo }
  | { readonly kind: 'builtin'; readonly specifier: string }
  /** A relative import the caller did not pass in (JSON, a missing file): its values are unknown. */
  | { readonly kind: 'missing' };

export interface ReExport {
  readonly from: ModuleRef;
  /** `*` for `export * as ns from`. */
  readonly name: string;
}

export interface ModuleInfo {
  readonly index: number;
  readonly parsed: ParsedModule;
  /** The graph's first module: the runtime calls its exports with data the transform cannot see. */
  readonly isEntry: boolean;
  readonly localExports: Map<string, Variable>;
  readonly reexports: Map<string, ReExport>;
  readonly stars: ModuleRef[];
  /** `export default <expression or anonymous declaration>`. */
  readonly defaultExport: Set<Value>;
  readonly refs: Map<string, ModuleRef>;
}

export function exportName(node: Identifier | Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

/** A module of the script's own graph (relative, a file, or remote), not a built-in. */
function isGraphModule(specifier: string): boolean {
  return /^(\.\.?\/|\/|file:|https?:\/\/)/.test(specifier);
}

export function normaliseUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

function patternIdentifiers(pattern: Pattern, out: Identifier[]): void {
  switch (pattern.type) {
    case 'Identifier':
      out.push(pattern);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties) patternIdentifiers(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern':
      for (const e of pattern.elements) if (e) patternIdentifiers(e, out);
      break;
    case 'RestElement':
      patternIdentifiers(pattern.argument, out);
      break;
    case 'AssignmentPattern':
      patternIdentifiers(pattern.left, out);
      break;
    default:
      break;
  }
}

export function buildGraph(parsed: readonly ParsedModule[]): ModuleInfo[] {
  const modules: ModuleInfo[] = parsed.map((p, index) => ({
    index,
    parsed: p,
    isEntry: index === 0,
    localExports: new Map(),
    reexports: new Map(),
    stars: [],
    defaultExport: new Set(),
    refs: new Map(),
  }));
  const byUrl = new Map(modules.map((m) => [m.parsed.url, m]));

  for (const mod of modules) {
    const resolve = (specifier: string): ModuleRef => {
      const known = mod.refs.get(specifier);
      if (known) return known;
      let ref: ModuleRef;
      if (isGraphModule(specifier)) {
        const target = byUrl.get(normaliseUrl(new URL(specifier, mod.parsed.url).href));
        ref = target ? { kind: 'local', module: target } : { kind: 'missing' };
      } else {
        ref = { kind: 'builtin', specifier };
      }
      mod.refs.set(specifier, ref);
      return ref;
    };
    const local = (id: Node, name: string): void => {
      const variable = mod.parsed.variableOf.get(id);
      if (variable) mod.localExports.set(name, variable);
    };

    for (const stmt of mod.parsed.ast.body) {
      switch (stmt.type) {
        case 'ImportDeclaration':
          resolve(String(stmt.source.value));
          break;
        case 'ExportAllDeclaration': {
          const from = resolve(String(stmt.source.value));
          if (stmt.exported) mod.reexports.set(exportName(stmt.exported), { from, name: '*' });
          else mod.stars.push(from);
          break;
        }
        case 'ExportNamedDeclaration': {
          if (stmt.source) {
            const from = resolve(String(stmt.source.value));
            for (const s of stmt.specifiers) mod.reexports.set(exportName(s.exported), { from, name: exportName(s.local) });
          } else if (stmt.declaration) {
            const decl = stmt.declaration;
            if (decl.type === 'VariableDeclaration') {
              const ids: Identifier[] = [];
              for (const d of decl.declarations) patternIdentifiers(d.id, ids);
              for (const id of ids) local(id, id.name);
            } else {
              local(decl.id, decl.id.name);
            }
          } else {
            for (const s of stmt.specifiers) local(s.local, exportName(s.exported));
          }
          break;
        }
        default:
          break;
      }
    }
  }
  return modules;
}
