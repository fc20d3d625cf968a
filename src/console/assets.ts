/**
 * The web console's files (`src/console/static/`): read from disk when running from source (no
 * build step for the console), or inlined by `scripts/build.mjs` into the api bundle as the
 * `XCFLOW_CONSOLE_ASSETS` constant (path → base64), since a deployed function has only its bundle.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Replaced by an object literal (api bundle) or `undefined` (other bundles) at build time; an
// undeclared global when running from source, hence the `typeof` check.
declare const XCFLOW_CONSOLE_ASSETS: Record<string, string> | undefined;

/** One console file, ready to serve. */
export interface ConsoleAsset {
  body: Uint8Array;
  contentType: string;
  /** Strong ETag (quoted SHA-256 prefix of the body). */
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function asset(path: string, body: Uint8Array): ConsoleAsset {
  return {
    body,
    contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
  };
}

/** Directory of the console's files when running from source. */
export function consoleStaticDir(): string {
  return fileURLToPath(new URL('./static/', import.meta.url));
}

/**
 * Every console file by URL path under the mount (`/index.html`, `/app.js`…).
 * @param dir read from this directory instead (tests); default the inlined files or `static/`.
 */
export function loadConsoleAssets(dir?: string): Map<string, ConsoleAsset> {
  const out = new Map<string, ConsoleAsset>();
  if (dir === undefined && typeof XCFLOW_CONSOLE_ASSETS !== 'undefined' && XCFLOW_CONSOLE_ASSETS) {
    for (const [path, b64] of Object.entries(XCFLOW_CONSOLE_ASSETS)) out.set(path, asset(path, Buffer.from(b64, 'base64')));
    return out;
  }
  const root = dir ?? consoleStaticDir();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const path = `/${relative(root, p).split('\\').join('/')}`;
        out.set(path, asset(path, readFileSync(p)));
      }
    }
  };
  walk(root);
  return out;
}
