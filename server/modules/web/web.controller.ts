import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { Elysia, NotFoundError } from 'elysia';
import type { auth } from '../../plugins/auth.ts';

/** Every text type names its charset, so no browser has to guess one (ASVS 4.1.1). */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  readonly body: Blob;
  readonly type: string;
}

/** Every file under dir, read once at start: no path from a request ever reaches the filesystem. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = TYPES[extname(name)];
        if (type)
          assets.set(`/${relative(dir, path).split('\\').join('/')}`, {
            body: new Blob([readFileSync(path)]),
            type,
          });
      }
    }
  };
  walk(dir);
  return assets;
}

/** The browser client: built files from client/dist, index.html for any other page path. */
export function webController(deps: {
  readonly authPlugin: ReturnType<typeof auth>;
  readonly clientDir: string;
}) {
  const assets = loadAssets(deps.clientDir);
  const index = assets.get('/index.html');
  const serve = (asset: Asset, cache: string) =>
    new Response(asset.body, { headers: { 'content-type': asset.type, 'cache-control': cache } });

  return new Elysia({ name: 'web-controller' }).use(deps.authPlugin).get(
    '/*',
    ({ path }) => {
      const asset = assets.get(path);
      if (asset && path !== '/index.html') return serve(asset, 'public, max-age=300');
      // The one error shape comes from the error handler, like every other 404.
      if (path.startsWith('/api/') || !index) throw new NotFoundError();
      return serve(index, 'no-cache');
    },
    { public: true, detail: { hide: true } },
  );
}
