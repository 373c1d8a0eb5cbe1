// Request input checked at the edge, in the doors' shape: a zod failure is
// MALFORMED with the field named from where the value came (`params.txId`,
// `query.limit`), through the ground floor's parseOrThrow, so the zod issue
// is turned into an error in one place (src/errors/parse.ts).
import { z } from 'zod';
import { parseOrThrow } from '../errors/index.js';

/**
 * Parses a request part (`where`: 'params', 'query', 'body', a header name)
 * with `schema`; a failure is MALFORMED whose field is `where.path`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  // Wrapped under `where` so the issue path, and so the field, starts with it.
  return (parseOrThrow(z.object({ [where]: schema }), { [where]: value }, where) as Record<string, z.output<S>>)[where] as z.output<S>;
}

/** A route's one path parameter matching `pattern`. */
export function pathParam(params: unknown, name: string, pattern: RegExp): string {
  return parseInput(z.strictObject({ [name]: z.string().regex(pattern) }), params, 'params')[name] as string;
}
