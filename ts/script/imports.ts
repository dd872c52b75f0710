/**
 * The module specifiers a module imports or re-exports that are part of the script's graph:
 * relative ones, and remote ones (`https://...`, see remote.ts).
 */
import { parse } from 'acorn';
import { isRemote } from './remote';

interface Node {
  type: string;
  source?: { value: unknown } | null;
}

export function graphImports(source: string, url: string): string[] {
  let program: { body: Node[] };
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as { body: Node[] };
  } catch (e) {
    throw new Error(`${new URL(url).pathname}: ${(e as Error).message}`);
  }
  const out: string[] = [];
  for (const node of program.body) {
    if (/^(ImportDeclaration|ExportNamedDeclaration|ExportAllDeclaration)$/.test(node.type) && node.source) {
      const spec = String(node.source.value);
      if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || isRemote(spec)) out.push(spec);
    }
  }
  return out;
}
