import { z } from 'zod';

/**
 * The one catalogue of coded errors (habit: Fastify lib/errors.js). HTTP status lives here too, so the API
 * maps errors to responses in exactly one place.
 */
export const ERRORS = Object.freeze({
  RTLS_ERR_VALIDATION: { status: 400, message: 'Request is not valid' },
  RTLS_ERR_BAD_TAG_ID: { status: 400, message: 'Tag id is not a valid ble:, ibeacon: or epc: id' },
  RTLS_ERR_UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  /** Same answer, same time, for an unknown user and a wrong password (issue #6 item 5). */
  RTLS_ERR_INVALID_CREDENTIALS: { status: 401, message: 'Unknown user or wrong password' },
  RTLS_ERR_SESSION_EXPIRED: { status: 401, message: 'Session expired: log in again' },
  RTLS_ERR_FORBIDDEN: { status: 403, message: 'Not allowed for this role' },
  RTLS_ERR_PASSWORD_CHANGE_REQUIRED: { status: 403, message: 'Change your one-time password first' },
  RTLS_ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'Origin not allowed' },
  RTLS_ERR_NOT_FOUND: { status: 404, message: 'No such route' },
  RTLS_ERR_TAG_NOT_FOUND: { status: 404, message: 'Tag not found' },
  RTLS_ERR_FLOOR_NOT_FOUND: { status: 404, message: 'Floor not found' },
  RTLS_ERR_GATEWAY_NOT_FOUND: { status: 404, message: 'Gateway not found' },
  RTLS_ERR_USER_NOT_FOUND: { status: 404, message: 'User not found' },
  RTLS_ERR_PATIENT_NOT_FOUND: { status: 404, message: 'No patient is enrolled on this tag' },
  RTLS_ERR_ALARM_NOT_FOUND: { status: 404, message: 'Alarm not found' },
  RTLS_ERR_RULE_NOT_FOUND: { status: 404, message: 'Rule not found' },
  RTLS_ERR_CONFLICT: { status: 409, message: 'Conflicts with the current state' },
  RTLS_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'Payload too large' },
  RTLS_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  RTLS_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  RTLS_ERR_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
  /** The audit record could not be written, so the access it would record is refused (issue #6 item 4). */
  RTLS_ERR_AUDIT_UNAVAILABLE: { status: 503, message: 'Audit log unavailable: access refused' },
});
export type ErrorCode = keyof typeof ERRORS;
export const ErrorCodeSchema = z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]);

export const ErrorBodySchema = z.strictObject({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Field-level detail for validation errors: "reads[3].rssi: Too small…". */
  details: z.array(z.string()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export class RtlsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: string[] | undefined;
  constructor(code: ErrorCode, message?: string, details?: string[]) {
    super(message ?? ERRORS[code].message);
    this.name = 'RtlsError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
