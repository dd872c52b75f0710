/** The relative module specifiers a module imports or re-exports (its local graph edges). */
import { parse } from 'acorn';

interface Node {
  type: string;
  source?: { value: unknown } | null;
}

export function localImports(source: string, url: string): string[] {
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
      if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) out.push(spec);
    }
  }
  return out;
}
