/**
 * Serves the web console under a prefix of the HTTP app (`/console`): static files (plain ES
 * modules, no framework, no build step) plus `config.json`, and — in the local stack only — a
 * read-only window onto the emulator's probe timeline (`local/probes`, `local/clock`), which lives
 * on another port and so could not be fetched by the page itself.
 *
 * The console has no session of its own: the page keeps the bearer token the user pastes (in
 * sessionStorage) and sends it with every API call, so the static files need no token.
 *
 *   mountConsole(runtime.app());                                   // functions/api.ts
 *   mountConsole(app, { emulatorUrl: emulator.endpoint });         // src/local/stack.ts
 */
import type { App, StaticHandler } from '../api/app.ts';
import { loadConsoleAssets, type ConsoleAsset } from './assets.ts';

/** Where the console is mounted. */
export const CONSOLE_PREFIX = '/console';

/** Options of {@link createConsoleHandler}. */
export interface ConsoleOptions {
  /** The files to serve; default the shipped console. */
  assets?: Map<string, ConsoleAsset>;
  /**
   * The local emulator (`http://127.0.0.1:port`): enables `local/probes` and `local/clock` and the
   * console's network chart. Never set in a deployment.
   */
  emulatorUrl?: string;
  /** Fetch used for the emulator (tests); default the global one. */
  fetch?: typeof fetch;
}

/** What `config.json` tells the page. */
export interface ConsoleConfig {
  /** Whether the local extras (probe chart) are available. */
  local: boolean;
}

// The page loads only its own files and talks only to its own origin.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function respond(status: number, body: BodyInit | null, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

function jsonResponse(status: number, value: unknown): Response {
  return respond(status, JSON.stringify(value), { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
}

function errorJson(status: number, code: string, message: string): Response {
  return jsonResponse(status, { error: { code, message } });
}

/** Query parameters the probe window passes on to the emulator. */
const PROBE_QUERY = new Set(['since', 'flow']);

/**
 * A handler for `app.mountStatic(CONSOLE_PREFIX, …)`.
 * @throws Error when the console files cannot be read (a broken checkout or bundle).
 */
export function createConsoleHandler(opts: ConsoleOptions = {}): StaticHandler {
  const assets = opts.assets ?? loadConsoleAssets();
  if (!assets.has('/index.html')) throw new Error('the web console has no index.html');
  const doFetch = opts.fetch ?? fetch;
  const emulator = opts.emulatorUrl?.replace(/\/+$/, '');
  const config: ConsoleConfig = { local: emulator !== undefined };

  return async (req, { path }) => {
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return respond(405, JSON.stringify({ error: { code: 'MethodNotAllowed', message: `${method} is not allowed on the console` } }), {
        allow: 'GET, HEAD',
        'content-type': 'application/json; charset=utf-8',
      });
    }
    const url = new URL(req.url);
    // The app strips trailing slashes before routing; the page's relative links need one after the
    // prefix, so `/console` is sent to `console/` (relative, so it also works under FC's
    // `/2016-08-15/proxy/<service>/<function>/` path).
    if (path === '/' && !url.pathname.endsWith('/')) {
      const last = url.pathname.split('/').pop() ?? 'console';
      return respond(308, null, { location: `${last}/${url.search}`, 'cache-control': 'no-store' });
    }
    if (path === '/config.json') return jsonResponse(200, config);
    if (path === '/local/probes' || path === '/local/clock') {
      if (!emulator) return errorJson(404, 'NotLocal', 'the emulator is only reachable from the local stack (npm start)');
      const target = new URL(`${emulator}/_emulator/${path === '/local/probes' ? 'probes' : 'clock'}`);
      for (const [k, v] of url.searchParams) if (PROBE_QUERY.has(k)) target.searchParams.set(k, v);
      try {
        const res = await doFetch(target, { method: 'GET' });
        return respond(res.status, method === 'HEAD' ? null : await res.text(), { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      } catch (err) {
        return errorJson(502, 'EmulatorUnreachable', `the emulator did not answer: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const file = assets.get(path === '/' ? '/index.html' : path);
    if (!file) return errorJson(404, 'NotFound', `no console file ${path}`);
    const headers = { 'content-type': file.contentType, etag: file.etag, 'cache-control': 'no-cache' };
    if (req.headers.get('if-none-match') === file.etag) return respond(304, null, headers);
    return respond(200, method === 'HEAD' ? null : new Uint8Array(file.body), headers);
  };
}

const mounted = new WeakSet<App>();

/**
 * Mounts the console at `/console` unless this module already mounted it on `app` (the local
 * stack mounts it with its emulator first; `functions/api.ts` then leaves it as is).
 * @returns whether this call mounted it.
 */
export function mountConsole(app: App, opts: ConsoleOptions = {}): boolean {
  if (mounted.has(app)) return false;
  app.mountStatic(CONSOLE_PREFIX, createConsoleHandler(opts));
  mounted.add(app);
  return true;
}
