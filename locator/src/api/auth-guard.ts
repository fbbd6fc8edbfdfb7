/**
 * The one place requests are authenticated and authorised (issue #6 item 2). Every route under /api declares
 * `config.auth`: 'open' (health, login), 'session' (any logged-in user, e.g. the session itself), or a Permission.
 * A route without a declaration fails start-up, so a new route cannot be forgotten open. Unknown /api paths answer
 * 401 without a token (no route enumeration) and 404 with one.
 *
 * The token comes from `Authorization: Bearer …`, or — for the live WebSocket only, because browsers cannot set
 * headers on a WebSocket — from the subprotocol `rtls.bearer.<token>` next to `rtls.v1` (never from the URL, which
 * ends up in logs and browser history).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '@rtls/protocol';
import type { AccessService } from '../auth/access.ts';
import type { Session } from '../auth/sessions.ts';
import type { StoredUser } from '../auth/user-store.ts';
import type { Viewer } from '../auth/viewer.ts';
import { sendError } from './error-handler.ts';

export type RouteAuth = 'open' | 'session' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    viewer?: Viewer;
    session?: Session;
    user?: StoredUser;
  }
}

export const LIVE_SUBPROTOCOL = 'rtls.v1';
const BEARER_SUBPROTOCOL = 'rtls.bearer.';
/** Requests the app makes on its own (polling) carry this header, so they do not count as user activity. */
export const BACKGROUND_HEADER = 'x-rtls-background';

const API_PATH_RE = /^\/api(?:[/?]|$)/;

/** The routes a user with a one-time password may still call: who am I, change password, log out. */
const PASSWORD_CHANGE_ROUTES = new Set(['/api/auth/session', '/api/auth/password', '/api/auth/logout']);

function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(h.trim());
    return m ? m[1]! : null;
  }
  if (req.headers.upgrade?.toLowerCase() === 'websocket') {
    const protos = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const p = protos.find((s) => s.startsWith(BEARER_SUBPROTOCOL));
    return p ? p.slice(BEARER_SUBPROTOCOL.length) : null;
  }
  return null;
}

/** The path of a request URL, percent-decoded as the router decodes it (undecodable: as it came). */
function decodedPath(url: string): string {
  const p = url.split('?')[0]!;
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** The client's address as the socket sees it (no X-Forwarded-For trust without a configured proxy). */
export function sourceOf(req: FastifyRequest): string {
  return req.ip;
}

/** Same-origin (the Origin's host is the Host the request came to) or listed in RTLS_ALLOWED_ORIGINS. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser: the token still decides
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if (host !== undefined && o.host === host) return true;
  return allowed.includes(`${o.protocol}//${o.host}`);
}

export function installAuthGuard(app: FastifyInstance, access: AccessService, allowedOrigins: readonly string[]): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api')) return;
    const cfg = route.config as { auth?: RouteAuth } | undefined;
    if (cfg?.auth === undefined) {
      // Routes registered by plugins (the OpenAPI UI under /api/docs) get the least: a logged-in user.
      if (route.url.startsWith('/api/docs')) {
        route.config = { ...(route.config ?? {}), auth: 'session' };
        return;
      }
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.auth (open | session | permission)`);
    }
  });

  const deny = (reply: FastifyReply, code: Parameters<typeof sendError>[1]) => sendError(reply, code);

  app.addHook('onRequest', async (req, reply) => {
    // Decided by the route the router matched as well as the path: the router percent-decodes the path, so
    // `/%61pi/users` reaches GET /api/users while the raw URL does not start with /api; and an unknown /api path
    // may be matched by the web app's wildcard route, yet still answers 401 without a token.
    const routeUrl = req.routeOptions.url;
    const apiRoute = routeUrl !== undefined && routeUrl.startsWith('/api');
    if (!apiRoute && !API_PATH_RE.test(decodedPath(req.raw.url ?? req.url))) return; // the web app's files: the login page loads without a token
    if (!originAllowed(req.headers.origin, req.headers.host, allowedOrigins)) return deny(reply, 'RTLS_ERR_ORIGIN_NOT_ALLOWED');
    const auth = (req.routeOptions.config as { auth?: RouteAuth } | undefined)?.auth;
    if (auth === 'open') return;
    const token = bearerOf(req);
    if (!token) return deny(reply, 'RTLS_ERR_UNAUTHORIZED');
    const r = access.resolve(token, sourceOf(req), req.headers[BACKGROUND_HEADER] === undefined);
    if (!r.ok) return deny(reply, r.code);
    req.viewer = r.viewer;
    req.session = r.session;
    req.user = r.user;
    if (auth === undefined) {
      // Unknown route (or the web app's wildcard): the 404 handler answers, now that the caller is known. A matched
      // /api route without a declaration cannot exist (onRoute refuses it); were one to slip through, it fails closed.
      return apiRoute ? deny(reply, 'RTLS_ERR_FORBIDDEN') : undefined;
    }
    if (r.user.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(req.routeOptions.url ?? '')) return deny(reply, 'RTLS_ERR_PASSWORD_CHANGE_REQUIRED');
    if (auth !== 'session' && !r.viewer.permissions.has(auth)) return deny(reply, 'RTLS_ERR_FORBIDDEN');
  });
}

/** The viewer of an authenticated request (routes behind the guard always have one). */
export function viewerOf(req: FastifyRequest): Viewer {
  if (!req.viewer) throw new Error('route reached without the auth guard');
  return req.viewer;
}
