import Joi from 'joi';
import { DomainError, type ErrorKind } from '../domain/errors';
import { component } from './response-schema';

export interface ErrorBody {
  detail: string;
  code: string;
  errors?: Record<string, string[]>;
}

/** Every 4xx and 5xx body: the document describes them with this. */
export const errorSchema = component(
  'Error',
  Joi.object({
    detail: Joi.string().required().description('A sentence for humans.'),
    code: Joi.string().required().description('Stable snake_case identifier to branch on.'),
    errors: Joi.object()
      .pattern(Joi.string(), Joi.array().items(Joi.string()))
      .description('Validation errors only: messages per field (`non_field_errors` for the body as a whole).'),
  }),
);

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  throttled: 429,
};

/** Errors koa and its body parser raise themselves, identified by their HTTP status. */
const HTTP_ERRORS: Record<number, { code: string; detail: string }> = {
  400: { code: 'parse_error', detail: 'Malformed request body.' },
  405: { code: 'method_not_allowed', detail: 'Method not allowed.' },
  413: { code: 'payload_too_large', detail: 'Request body is too large.' },
  415: { code: 'unsupported_media_type', detail: 'Unsupported media type: send application/json.' },
};

/** The one place that turns an error into an HTTP answer. Unknown errors are a generic 500. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody; expose: boolean } {
  if (error instanceof DomainError) {
    const body: ErrorBody = { detail: error.message, code: error.code };
    if (error.errors) body.errors = error.errors;
    return { status: STATUS_BY_KIND[error.kind], body, expose: true };
  }
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  // @koa/router answers a method it has never heard of (PROPFIND) with 501; for the client it is a wrong method, as in DRF.
  if (status === 501) return { status: 405, body: HTTP_ERRORS[405]!, expose: true };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = HTTP_ERRORS[status];
    return { status, body: known ?? { detail: 'Bad request.', code: 'bad_request' }, expose: true };
  }
  return { status: 500, body: { detail: 'A server error occurred.', code: 'server_error' }, expose: false };
}
