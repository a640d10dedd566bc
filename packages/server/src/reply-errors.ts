import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AnalyticsError } from '@daybook/analytics';
import { errorBody, ServerError } from './errors.js';

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const WHERE: Record<string, string> = { querystring: 'query parameter', body: 'body field', params: 'path parameter', headers: 'header' };
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
};

/** A 400 naming the field, from the first Ajv error of a failed validation. */
export function validationError(errors: readonly AjvError[], context: string | undefined): ServerError {
  const e = errors[0] ?? {};
  const path = (e.instancePath ?? '').split('/').filter((p) => p !== '');
  let field = path[0];
  if (e.keyword === 'required') field = String(e.params?.missingProperty ?? field);
  if (e.keyword === 'additionalProperties') field = String(e.params?.additionalProperty ?? field);
  const where = WHERE[context ?? ''] ?? 'input';
  let what: string;
  switch (e.keyword) {
    case 'additionalProperties': what = 'is not a known parameter'; break;
    case 'enum': what = `must be one of ${(e.params?.allowedValues as unknown[] | undefined)?.join(', ')}`; break;
    case 'pattern': what = field === 'start_date' || field === 'end_date' || field === 'date' ? 'must be YYYY-MM-DD or an ISO-8601 timestamp' : 'has characters that are not allowed'; break;
    default: what = e.message ?? 'is invalid';
  }
  const index = path.length > 1 ? ` (item ${path.slice(1).join('/')})` : '';
  const label = field === undefined ? (context === 'body' ? 'the body' : where) : `${where} ${field}${index}`;
  return new ServerError('DAYBOOK_E_SERVER_BAD_REQUEST', `${label} ${what}`, { field });
}

/** Maps whatever a handler threw to a ServerError; undefined for the unexpected. */
export function toServerError(err: unknown): ServerError | undefined {
  if (err instanceof ServerError) return err;
  if (err instanceof AnalyticsError) {
    switch (err.code) {
      case 'DAYBOOK_E_DATE_INVALID':
      case 'DAYBOOK_E_DATE_RANGE': return new ServerError('DAYBOOK_E_SERVER_BAD_DATE', err.message, { cause: err });
      case 'DAYBOOK_E_READ_DIR': return new ServerError('DAYBOOK_E_SERVER_LOG_DIR', err.message, { cause: err });
      case 'DAYBOOK_E_EXPORT_FORMAT':
      case 'DAYBOOK_E_EXPORT_PARQUET': return new ServerError('DAYBOOK_E_SERVER_EXPORT_FORMAT', err.message, { field: 'format', cause: err });
      case 'DAYBOOK_E_EXPORT_WRITE': return new ServerError('DAYBOOK_E_SERVER_EXPORT_WRITE', err.message, { cause: err });
      default: return undefined;
    }
  }
  // A fleet's store failed (@daybook/clickhouse's ClickHouseError: down, refused, a query
  // error): the server's dependency, not a bug of the request or of the server. Known by its
  // code: the server does not depend on that package.
  const chCode = (err as { code?: unknown } | null)?.code;
  if (typeof chCode === 'string' && chCode.startsWith('DAYBOOK_E_CLICKHOUSE_')) return new ServerError('DAYBOOK_E_SERVER_FLEET', `${(err as Error).message} [${chCode}]`, { cause: err });
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe?.validation)) return validationError(fe.validation, fe.validationContext);
  const code = typeof fe?.code === 'string' ? fe.code : '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ServerError('DAYBOOK_E_SERVER_PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ServerError('DAYBOOK_E_SERVER_MEDIA_TYPE', 'the body is not JSON');
  if (code.startsWith('FST_ERR_CTP_') || (fe?.statusCode === 400 && code !== '')) return new ServerError('DAYBOOK_E_SERVER_BAD_REQUEST', `the body is not valid JSON (${fe.message})`);
  // A plugin's own client error: @fastify/static's 403 for `..` or a NUL byte in a path.
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : typeof (fe as { status?: unknown })?.status === 'number' ? (fe as unknown as { status: number }).status : 0;
  if (status === 404) return new ServerError('DAYBOOK_E_SERVER_NOT_FOUND', 'no such file');
  if (status >= 400 && status < 500) return new ServerError('DAYBOOK_E_SERVER_BAD_PATH', 'the path cannot be served');
  return undefined;
}

/** Fastify's frameworkErrors: a path the router cannot take (`/a%ZZ`, overlong UTF-8, a huge parameter) is a 400 like any other. */
export function badUrl(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const what = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is too long' : err.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoded UTF-8' : 'the path cannot be routed';
  void reply.code(400).send(errorBody(new ServerError('DAYBOOK_E_SERVER_BAD_PATH', what)));
}

/** Error and not-found handlers: every error is `{ error, message }`; a 500 only for a bug. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toServerError(err);
    if (e !== undefined) {
      void reply.code(e.statusCode).send(errorBody(e));
      return;
    }
    request.log.error({ err }, 'unexpected error');
    const internal = new ServerError('DAYBOOK_E_SERVER_INTERNAL', 'the request failed unexpectedly');
    void reply.code(500).send(errorBody(internal));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new ServerError('DAYBOOK_E_SERVER_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`);
    void reply.code(404).send(errorBody(e));
  });
}
