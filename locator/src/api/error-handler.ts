/**
 * The one place errors become HTTP responses: `{ code, message, details? }` with the status from protocol's ERRORS
 * catalogue. RtlsError carries its own code; schema validation → RTLS_ERR_VALIDATION with one detail per bad field;
 * Fastify's own 4xx (bad JSON, too large, …) map by status; anything else is a logged 500 that reveals nothing.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ERRORS, RtlsError, type ErrorBody, type ErrorCode } from '@rtls/protocol';

/** "/reads/3/rssi" → "reads[3].rssi"; the root of a part is named by the part ("querystring"). */
function fieldName(context: string | undefined, instancePath: string): string {
  const segs = instancePath.split('/').filter(Boolean);
  if (segs.length === 0) return context ?? '(root)';
  let s = '';
  for (const seg of segs) s += /^\d+$/.test(seg) ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

export function errorBody(code: ErrorCode, message?: string, details?: string[]): ErrorBody {
  const body: ErrorBody = { code, message: message ?? ERRORS[code].message };
  if (details && details.length > 0) body.details = details;
  return body;
}

export function sendError(reply: FastifyReply, code: ErrorCode, message?: string, details?: string[]): FastifyReply {
  return reply.code(ERRORS[code].status).type('application/json').send(errorBody(code, message, details));
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'RTLS_ERR_NOT_FOUND';
  if (status === 413) return 'RTLS_ERR_PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RTLS_ERR_RATE_LIMITED';
  if (status === 401) return 'RTLS_ERR_UNAUTHORIZED';
  if (status === 403) return 'RTLS_ERR_FORBIDDEN';
  if (status === 409) return 'RTLS_ERR_CONFLICT';
  if (status === 503) return 'RTLS_ERR_UNAVAILABLE';
  return 'RTLS_ERR_VALIDATION';
}

export function apiErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof RtlsError) {
    if (err.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(err.status).type('application/json').send(err.toBody());
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const ctx = (err as FastifyError).validationContext;
    const details = err.validation.map((v) => `${fieldName(ctx, v.instancePath)}: ${v.message}`);
    return sendError(reply, 'RTLS_ERR_VALIDATION', `Invalid ${ctx ?? 'request'}`, details);
  }
  if (isResponseSerializationError(err)) {
    req.log.error({ issues: err.cause.issues, url: err.url }, 'response does not match its schema');
    return sendError(reply, 'RTLS_ERR_INTERNAL');
  }
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = codeForStatus(status);
    // Fastify's client-error messages (e.g. "Body cannot be empty…") are safe and useful; keep them for 400s.
    return sendError(reply, code, code === 'RTLS_ERR_VALIDATION' ? err.message : undefined);
  }
  req.log.error({ err }, 'request failed');
  return sendError(reply, 'RTLS_ERR_INTERNAL');
}
