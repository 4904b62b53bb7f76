import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type Koa from 'koa';

// The web console: static files built by `npm run build` (console/build.mjs) into dist/console. They hold no data, so
// they are served without a token; every call the console makes goes through the API with the user's token.

// Where `npm run build` puts the console: <package root>/dist/console, from src/ (tsx) as from dist/ (built).
export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'console');

export const UI_PREFIX = '/ui';

// Same origin only: no inline script or style, no third-party host, no framing.
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// esbuild names bundled files `<name>-<8 hash chars>.<ext>` under assets/: their content never changes.
const HASHED = /^assets\/.+-[A-Z0-9]{8}\.[a-z]+$/;

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  immutable: boolean;
}

// Every file of the built console, read once: the console is small, and a lookup by exact name cannot leave the
// directory whatever the request path holds.
export function loadConsoleAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const key = relative(dir, path).split(sep).join('/');
      const type = TYPES[extname(name)] ?? 'application/octet-stream';
      const body = readFileSync(path);
      const compressible = /^text\/|json|svg/.test(type);
      assets.set(key, { body, gzip: compressible ? gzipSync(body, { level: 9 }) : null, type, immutable: HASHED.test(key) });
    }
  };
  walk(dir);
  return assets;
}

function send(ctx: Koa.Context, asset: Asset): void {
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.vary('Accept-Encoding');
  ctx.status = 200;
  ctx.type = asset.type;
  if (asset.gzip && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = asset.gzip;
  } else {
    ctx.body = asset.body;
  }
}

// GET/HEAD /ui → /ui/; /ui/<file> → that file; any other /ui/<path> (a client route) → index.html; a missing file
// with an extension (a stale asset name) → 404. Other methods and paths go on to the API.
export function consoleMiddleware(opts: { dir?: string } = {}): Koa.Middleware {
  const assets = loadConsoleAssets(opts.dir ?? CONSOLE_DIR);
  return async (ctx, next) => {
    const path = ctx.path;
    if ((path !== UI_PREFIX && !path.startsWith(`${UI_PREFIX}/`)) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      await next();
      return;
    }
    if (path === UI_PREFIX) {
      ctx.status = 301;
      ctx.redirect(`${UI_PREFIX}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
      return;
    }
    const index = assets.get('index.html');
    if (!index) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = `The web console is not built: run \`npm run build\` (looked in ${opts.dir ?? CONSOLE_DIR})\n`;
      return;
    }
    const name = path.slice(UI_PREFIX.length + 1);
    const asset = name === '' ? index : assets.get(name);
    if (asset) {
      send(ctx, asset);
      return;
    }
    if (extname(name) !== '') {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not found';
      return;
    }
    send(ctx, index);
  };
}
