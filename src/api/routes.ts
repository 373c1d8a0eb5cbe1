// The doors' route tables: each route is a row of method, path and a named
// handler of (request, deps, reply), registered in one place. A handler
// parses its input (input.ts), calls an HTTP-free use case and returns the
// body, or sends through `reply` when it sets a status, type or headers.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteShorthandOptions } from 'fastify';

export type RouteHandler<D> = (request: FastifyRequest, deps: D, reply: FastifyReply) => Promise<unknown>;

/** One route: method, path, handler, and fastify route options (bodyLimit) when it needs them. */
export type Route<D> = readonly [method: HTTPMethods, url: string, handler: RouteHandler<D>, options?: Pick<RouteShorthandOptions, 'bodyLimit'>];

export type RouteTable<D> = ReadonlyArray<Route<D>>;

/** Registers every row of `table` on `app`, each handler closed over `deps`. */
export function registerTable<D>(app: FastifyInstance, table: RouteTable<D>, deps: D): void {
  for (const [method, url, handler, options] of table) {
    app.route({ method, url, ...options, handler: (request, reply) => handler(request, deps, reply) });
  }
}
