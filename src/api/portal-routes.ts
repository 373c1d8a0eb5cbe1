// The web portal (web/, built by Vite into dist/web) served by the node at
// `/`: index.html and its hashed /assets/*, with a strict Content-Security-
// Policy (only this origin's scripts, styles and connections; no inline
// script or style, no remote origin; Trusted Types so no string reaches an
// HTML sink) and the other security headers, on the portal's responses only
// (the APIs keep theirs). The portal itself calls only the public HTTP APIs.
// When the web build is missing (tsc ran without vite), `/` says so in plain
// text instead of failing the node. Also mounts the access explanation route
// the clinician page uses (access-explanation-routes.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LedgerNode, RecordsService } from '../node/index.js';
import { registerAccessExplanationRoutes } from './access-explanation-routes.js';

/** The CSP of every portal response (docs/portal.md). */
export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const PORTAL_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** dist/web, beside dist/src where this file runs from. */
export function portalRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
}

function secure(reply: FastifyReply): FastifyReply {
  return reply.headers(PORTAL_HEADERS);
}

export interface PortalOptions {
  node: LedgerNode;
  records?: RecordsService | undefined;
  /** Directory of the built portal; default portalRoot(). */
  root?: string;
}

export function registerPortalRoutes(app: FastifyInstance, options: PortalOptions): void {
  const root = options.root ?? portalRoot();
  const index = join(root, 'index.html');
  if (options.records) registerAccessExplanationRoutes(app, { node: options.node, records: options.records });
  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      secure(reply);
      return payload;
    });
    scope.get('/', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!existsSync(index)) return reply.type('text/plain; charset=utf-8').send('The portal is not built: run npm run build.\n');
      return reply.type('text/html; charset=utf-8').send(readFileSync(index));
    });
    if (existsSync(join(root, 'assets'))) {
      await scope.register(fastifyStatic, {
        root: join(root, 'assets'),
        prefix: '/assets/',
        index: false,
        list: false,
        dotfiles: 'deny',
        etag: true,
        lastModified: false,
        immutable: true,
        maxAge: '365d',
        decorateReply: false,
      });
    }
  });
}
