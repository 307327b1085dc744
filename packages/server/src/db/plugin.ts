import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's PostgreSQL pool; repositories take it, route handlers never query it. */
    pool: pg.Pool;
  }
}

/** The pool is the caller's (main.ts or a test): it outlives the app, so closing the app leaves it open. */
export const databasePlugin = fp(
  async (app: FastifyInstance, options: { pool: pg.Pool }) => {
    app.decorate('pool', options.pool);
  },
  { name: 'aura-database', fastify: '5.x' },
);
