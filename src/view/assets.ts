import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VoxelpipeError } from '../util/errors.js';

/**
 * The page's script modules (src/view/client/*.ts, compiled for the browser
 * by their own tsconfig). Built, they are dist/view/client/*.js; run from
 * source (tsx), the .ts files are transpiled here once with the TypeScript
 * compiler the development install has. Only these names are served.
 */
export const CLIENT_MODULES = ['main', 'api', 'draw', 'state', 'step-view', 'planes-view', 'chain-strip', 'controls', 'batch-view', 'ct-window', 'dom'] as const;
export type ClientModule = (typeof CLIENT_MODULES)[number];

const DIR = new URL('./client/', import.meta.url);

export class ClientAssets {
  private readonly cache = new Map<string, string>();

  has(name: string): name is ClientModule {
    return (CLIENT_MODULES as readonly string[]).includes(name);
  }

  async script(name: ClientModule): Promise<string> {
    const kept = this.cache.get(name);
    if (kept !== undefined) return kept;
    const js = fileURLToPath(new URL(`${name}.js`, DIR));
    const text = existsSync(js) ? readFileSync(js, 'utf8') : await transpile(fileURLToPath(new URL(`${name}.ts`, DIR)));
    this.cache.set(name, text);
    return text;
  }
}

async function transpile(file: string): Promise<string> {
  if (!existsSync(file)) throw new VoxelpipeError('ERR_FILE_NOT_FOUND', `view: the page script ${file} is missing (run npm run build)`);
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', `view: running from source needs the typescript package to compile ${file} (npm install, or npm run build)`);
  }
  const out = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, sourceMap: false, inlineSourceMap: false },
  });
  return out.outputText;
}
