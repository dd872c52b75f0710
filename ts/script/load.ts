/**
 * Reads a user module graph, runs the sync-to-async transform over it once, and hands each VU
 * its modules with k6's per-VU globals (`__VU`, `__ITER`, `__ENV`, `open`) imported on the first
 * line, so that every original line keeps its number.
 */
import { graphImports } from './imports';
import { transformGraph } from './transform';

const transformed = new Map<string, string>();
const VU_GLOBALS = ['__VU', '__ITER', '__ENV', 'open'];

async function readGraph(entry: string, read: (url: string) => Promise<string>) {
  const modules: Array<{ url: string; source: string }> = [];
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const url = queue.shift() as string;
    if (seen.has(url)) continue;
    seen.add(url);
    const text = await read(url);
    // TypeScript: types are blanked out, not removed, so every line and column stays where it was.
    const source = /\.ts$/.test(new URL(url).pathname) ? (await import('ts-blank-space')).default(text) : text;
    modules.push({ url, source });
    for (const spec of graphImports(source, url)) queue.push(new URL(spec, url).href);
  }
  return modules;
}

function declares(source: string, name: string): boolean {
  const escaped = name.replace(/\$/g, '\\$');
  return new RegExp(`(?:function\\*?|class|const|let|var)\\s+${escaped}\\b|import[^;]*\\b${escaped}\\b[^;]*from`).test(source);
}

export async function transformForVu(url: string, read: (url: string) => Promise<string>): Promise<string> {
  let code = transformed.get(url);
  if (code === undefined) {
    const graph = await readGraph(url, read);
    for (const [u, result] of transformGraph(graph)) transformed.set(u, result.code);
    code = transformed.get(url) as string;
  }
  const globals = VU_GLOBALS.filter((g) => !declares(code as string, g));
  const prefix = globals.length ? `import { ${globals.join(', ')} } from 'volley:vu';` : '';
  return prefix + code;
}
