import Router from '@koa/router';
import Joi from 'joi';
import { component, fields } from '../response-schema';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

// What the routes below answer (docs/api-conventions.md#the-openapi-document).
export const OPS_RESPONSE_SCHEMAS = [
  component(
    'ApiIndex',
    fields({ name: Joi.string(), docs: Joi.string(), schema: Joi.string(), api: Joi.string(), health: Joi.string(), ready: Joi.string(), metrics: Joi.string() }),
  ),
  component(
    'Health',
    // pid: main answers it since issue 13 (several processes on one port); optional until this branch has it.
    Joi.object({ status: Joi.string().valid('ok').required(), pid: Joi.number().integer().description('The process that answered.') }),
  ),
  component(
    'Readiness',
    fields({
      status: Joi.string().valid('ready', 'not_ready'),
      checks: Joi.object().pattern(Joi.string(), Joi.string()).example({ postgres: 'ok', redis: 'ok' }).description('`ok`, or why the dependency is unavailable.'),
    }),
  ),
];

const withTimeout = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

export function opsRoutes(readiness: ReadinessCheck[]): Router {
  const router = new Router();

  // Where the URL printed at start leads: browsers to the docs, programs to an index of links.
  router.get('/', (ctx) => {
    if (ctx.accepts('html', 'json') === 'html') return ctx.redirect('/api/v1/docs/');
    ctx.body = {
      name: 'Estuary Bookings API',
      docs: '/api/v1/docs/',
      schema: '/api/v1/schema/',
      api: '/api/v1/drf/',
      health: '/healthz',
      ready: '/readyz',
      metrics: '/metrics',
    };
  });

  // The pid tells which process answered (several serve one port with WEB_CONCURRENCY).
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok', pid: process.pid };
  });

  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(
      readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `unavailable: ${(error as Error).message}`] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) };
  });

  return router;
}
