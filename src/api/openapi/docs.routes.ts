import { createReadStream } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { notFound } from '../../domain/errors';
import { buildOpenApiDocument } from './openapi-document';

export const DOCS_PATH = '/api/v1/docs';
const DOCS = DOCS_PATH;
const SCHEMA = '/api/v1/schema/';
// Routes are declared without the trailing slash: @koa/router then matches both spellings (not so the
// other way round).

/** The Swagger UI files the page uses, served from the installed package: the docs work offline. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// Asset URLs are absolute so the page works with and without the trailing slash.
const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Estuary Bookings API</title>
    <link rel="stylesheet" type="text/css" href="${DOCS}/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="${DOCS}/index.css">
    <link rel="icon" type="image/png" href="${DOCS}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${DOCS}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${DOCS}/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

// validatorUrl: null, or Swagger UI sends the document to validator.swagger.io. The interceptor echoes
// the csrftoken cookie so that "Try it out" works with a session as well as with a token.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(SCHEMA)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    requestInterceptor: function (request) {
      var match = document.cookie.match(/(?:^|;\\s*)csrftoken=([^;]+)/);
      if (match && !request.headers['X-CSRFToken']) request.headers['X-CSRFToken'] = decodeURIComponent(match[1]);
      return request;
    },
  });
};
`;

/** `/api/v1/schema/` (OpenAPI 3 JSON) and `/api/v1/docs/` (Swagger UI). Both public. */
export function docsRoutes(): Router {
  const router = new Router();
  const assetDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  let document: object | undefined;

  router.get('/api/v1/schema', (ctx) => {
    document ??= buildOpenApiDocument();
    ctx.body = document;
  });

  router.get(DOCS, (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });

  router.get(`${DOCS}/swagger-initializer.js`, (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = INITIALIZER;
  });

  router.get(`${DOCS}/:asset`, (ctx) => {
    const type = Object.hasOwn(ASSETS, ctx.params.asset!) ? ASSETS[ctx.params.asset!] : undefined;
    if (!type) throw notFound();
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = createReadStream(path.join(assetDir, ctx.params.asset!));
  });

  return router;
}
