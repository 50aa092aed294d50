/**
 * The HTTP ceiling of `npm run bench`: Koa answering every request with one `SELECT 1` from a pg pool of
 * the API's size, nothing else (no router, middleware or logging), in a process of its own. A request of
 * the API can at best approach this; the ratio to it is what the API's own work costs.
 * Environment: DATABASE_URL, PORT.
 */
import Koa from 'koa';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = new Koa();
app.use(async (ctx) => {
  const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
  ctx.body = { one: rows[0]!.one };
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
const stop = () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
