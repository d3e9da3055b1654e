import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import css from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' };
// Embedded as text so the compiled binary carries the UI and the page needs no CDN.
import bundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' };
import { ACCESS_COOKIE, type auth } from '../../plugins/auth.ts';

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Bastion API</title>
    <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/api/docs/assets/init.js"></script>
  </body>
</html>`;

// No inline script: the page runs under the same strict CSP as the rest of Bastion.
const INIT = `window.ui = SwaggerUIBundle({ url: '/api/docs/json', dom_id: '#swagger-ui' });`;

const asset = (body: string, type: string) => () =>
  new Response(body, {
    headers: { 'content-type': type, 'cache-control': 'public, max-age=3600' },
  });

const HIDDEN = { detail: { hide: true } };
const SPEC_PATH = '/api/docs/json';

type Operation = { requestBody?: { content?: Record<string, unknown> } };

/**
 * The plugin offers every body as JSON, form and multipart; Bastion's API takes JSON only
 * (anything else is a 415), so the document says exactly that.
 */
function onlyJsonBodies(spec: unknown): void {
  const paths = (spec as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const operation of Object.values(paths).flatMap((methods) => Object.values(methods))) {
    const content = operation.requestBody?.content;
    if (!content?.['application/json']) continue;
    for (const type of Object.keys(content)) if (type !== 'application/json') delete content[type];
  }
}

/** OpenAPI document at /api/docs/json, generated from the route schemas; Swagger UI at /api/docs. */
export function docsController(deps: { readonly authPlugin: ReturnType<typeof auth> }) {
  return (
    new Elysia({ name: 'docs-controller' })
      .use(deps.authPlugin)
      // A standalone guard: everything below is public, and the OpenAPI plugin still sees
      // every route of the app (a scoped guard would hide them from it).
      .guard({ public: true })
      .onAfterHandle(({ path, response }) => {
        if (path === SPEC_PATH) onlyJsonBodies(response);
      })
      .use(
        openapi({
          path: '/api/docs/openapi',
          specPath: SPEC_PATH,
          provider: null,
          documentation: {
            info: {
              title: 'Bastion API',
              version: '0.1.0',
              description: 'Accounts, sessions, roles and the admin user API.',
            },
            components: {
              securitySchemes: {
                bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
                cookie: { type: 'apiKey', in: 'cookie', name: ACCESS_COOKIE },
              },
            },
          },
          exclude: { paths: [/^\/api\/docs/, '/*'] },
        }),
      )
      .get(
        '/api/docs',
        () => new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
        HIDDEN,
      )
      .get(
        '/api/docs/assets/swagger-ui-bundle.js',
        asset(bundle, 'text/javascript; charset=utf-8'),
        HIDDEN,
      )
      .get('/api/docs/assets/swagger-ui.css', asset(css, 'text/css; charset=utf-8'), HIDDEN)
      .get('/api/docs/assets/init.js', asset(INIT, 'text/javascript; charset=utf-8'), HIDDEN)
  );
}
