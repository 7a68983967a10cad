// The app's error hierarchy. Each error knows its HTTP status and a message that is safe to
// show a client; everything else (stack, cause) stays in the logs. HTTP mapping happens in
// exactly one place: toProblemResponse() in problem.server.ts.

import type { FieldIssue } from "~/api/schemas";

export type { FieldIssue };

type ErrorOptions = {
  /** What a client may read when the status is 5xx (the message may describe internals). */
  publicMessage?: string;
  cause?: unknown;
};

/**
 * Field issues a problem lists; the rest are only counted (`errors_total`). 10,000 invalid
 * records made a 7 MB answer; the first issues say what is wrong (ADR 0030).
 */
export const MAX_LISTED_ISSUES = 100;

/** Seconds a client should wait before retrying a model that is still loading. */
const MODEL_RETRY_AFTER_SECONDS = 5;

export class HousingMLError extends Error {
  readonly code: string = "internal_error";
  readonly status: number = 500;
  readonly title: string = "Internal Server Error";
  /** Extra response headers (e.g. Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string> = {};
  /** Field-level problems, listed in the problem+json `errors` member. */
  readonly issues: readonly FieldIssue[] = [];

  readonly publicMessage: string;

  /** How many field issues there were (`issues` may hold only the first ones). */
  get issueCount(): number {
    return this.issues.length;
  }

  constructor(message: string, { publicMessage, cause }: ErrorOptions = {}) {
    super(message, { cause });
    this.publicMessage = publicMessage ?? message;
    this.name = new.target.name;
  }
}

export class ConfigurationError extends HousingMLError {
  override readonly code = "configuration_error";
  override readonly title = "Service misconfigured";
  constructor(message: string) {
    super(message, { publicMessage: "The service is misconfigured." });
  }
}

/** No bundle where the store points (no pointer, no folder, no manifest): like KServe's ModelNotFound. */
export class ModelNotFoundError extends HousingMLError {
  override readonly code = "model_not_found";
  override readonly status = 404;
  override readonly title = "Model not found";
}

/** A bundle that is there but cannot serve: a bad manifest, a checksum mismatch, ORT refuses it. */
export class InvalidBundleError extends HousingMLError {
  override readonly code = "invalid_bundle";
  override readonly title = "Invalid model bundle";
  constructor(message: string, { cause }: { cause?: unknown } = {}) {
    super(message, { publicMessage: "The model bundle is invalid.", cause });
  }
}

/** The model store (S3) failed or is unreachable: the upstream of a load, hence 502. */
export class ModelStoreError extends HousingMLError {
  override readonly code = "model_store_unavailable";
  override readonly status = 502;
  override readonly title = "Model store unavailable";
  constructor(message: string, { cause }: { cause?: unknown } = {}) {
    super(message, { publicMessage: "The model store could not be read.", cause });
  }
}

/** No model serves yet (loading, or every load failed): like KServe's ModelNotReady, a 503. */
export class ModelNotReadyError extends HousingMLError {
  override readonly code = "model_unavailable";
  override readonly status = 503;
  override readonly title = "Model not ready";
  override readonly headers = { "Retry-After": String(MODEL_RETRY_AFTER_SECONDS) };
  constructor(message: string) {
    super(message, { publicMessage: "The prediction model is not loaded yet; retry shortly." });
  }
}

export class InvalidInputError extends HousingMLError {
  override readonly code: string = "invalid_input";
  override readonly status: number = 422;
  override readonly title: string = "Invalid input";
  constructor(
    message: string,
    override readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** Syntactically broken request (malformed JSON/CSV): 400 rather than 422. */
export class MalformedRequestError extends InvalidInputError {
  override readonly code = "malformed_request";
  override readonly status = 400;
  override readonly title = "Malformed request";
}

export class UnsupportedMediaTypeError extends HousingMLError {
  override readonly code = "unsupported_media_type";
  override readonly status = 415;
  override readonly title = "Unsupported media type";
}

/** The new bundle could not be loaded: 502 while the old model serves, 503 with none. */
export class ModelReloadError extends HousingMLError {
  override readonly code = "model_reload_failed";
  override readonly title = "Model reload failed";
  override readonly status: number;
  constructor(message: string, { previousServes }: { previousServes: boolean }) {
    super(message, {
      publicMessage: previousServes
        ? "The new model bundle could not be loaded; the previous model keeps serving."
        : "The model bundle could not be loaded; no model is serving.",
    });
    this.status = previousServes ? 502 : 503;
  }
}

export class PredictionError extends HousingMLError {
  override readonly code = "prediction_failed";
  override readonly status = 500;
  override readonly title = "Prediction failed";
  constructor(message: string, { cause }: { cause?: unknown } = {}) {
    super(message, { publicMessage: "The model could not compute a prediction.", cause });
  }
}

export class AuthenticationError extends HousingMLError {
  override readonly code = "unauthorized";
  override readonly status = 401;
  override readonly title = "Unauthorized";
  override readonly headers = {
    "WWW-Authenticate": 'Bearer realm="api", ApiKey header="X-API-Key"',
  };
}

export class PayloadTooLargeError extends HousingMLError {
  override readonly code = "payload_too_large";
  override readonly status = 413;
  override readonly title = "Payload too large";
}

/** A request head whose header fields pass node's limit (--max-http-header-size, 16 KiB). */
export class HeaderFieldsTooLargeError extends HousingMLError {
  override readonly code = "header_fields_too_large";
  override readonly status = 431;
  override readonly title = "Request header fields too large";
  override readonly headers = { Connection: "close" };
}

export class RateLimitError extends HousingMLError {
  override readonly code = "rate_limited";
  override readonly status = 429;
  override readonly title = "Too many requests";
  override readonly headers: Record<string, string>;
  constructor({ retryAfterSeconds }: { retryAfterSeconds: number }) {
    super(`Rate limit exceeded; retry in ${retryAfterSeconds}s.`);
    this.headers = { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) };
  }
}

export class NotFoundError extends HousingMLError {
  override readonly code = "not_found";
  override readonly status = 404;
  override readonly title = "Not found";
}

export class MethodNotAllowedError extends HousingMLError {
  override readonly code = "method_not_allowed";
  override readonly status = 405;
  override readonly title = "Method not allowed";
  override readonly headers: Record<string, string>;
  constructor(allowed: string[]) {
    super(`Use ${allowed.join(", ")}.`);
    this.headers = { Allow: allowed.join(", ") };
  }
}

/** The server cannot take more of this work right now: 503 rather than an unbounded queue. */
export class ServerBusyError extends HousingMLError {
  override readonly code = "server_busy";
  override readonly status = 503;
  override readonly title = "Server busy";
  override readonly headers: Record<string, string>;
  constructor(message: string, { retryAfterSeconds = 1 }: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.headers = { "Retry-After": String(retryAfterSeconds) };
  }
}

/** The request body did not arrive in time (a slow or stalled client). */
export class RequestTimeoutError extends HousingMLError {
  override readonly code = "request_timeout";
  override readonly status = 408;
  override readonly title = "Request timeout";
  override readonly headers = { Connection: "close" };
}

/**
 * An error as it crosses a worker-thread boundary: structured clone keeps neither the class
 * nor its fields, so the fields the HTTP mapping needs travel as data.
 */
export type WireError = {
  code: string;
  status: number;
  title: string;
  message: string;
  publicMessage: string;
  headers: Record<string, string>;
  /** The first MAX_LISTED_ISSUES issues: a clone of all of them could stall the event loop. */
  issues: readonly FieldIssue[];
  issueCount: number;
  stack?: string;
};

export function toWireError(error: unknown): WireError {
  // A foreign error becomes the same generic 500 toProblem() gives it on the event loop.
  const e =
    error instanceof HousingMLError
      ? error
      : new HousingMLError(String(error), { publicMessage: "An unexpected error occurred." });
  const stack = error instanceof Error ? error.stack : undefined;
  return {
    code: e.code,
    status: e.status,
    title: e.title,
    message: error instanceof Error ? error.message : e.message,
    publicMessage: e.publicMessage,
    headers: e.headers,
    issues: e.issues.slice(0, MAX_LISTED_ISSUES),
    issueCount: e.issueCount,
    ...(stack ? { stack } : {}),
  };
}

/** A HousingMLError raised in a scoring worker, rebuilt on the event loop with the same status and body. */
export class WorkerReportedError extends HousingMLError {
  override readonly code: string;
  override readonly status: number;
  override readonly title: string;
  override readonly headers: Record<string, string>;
  override readonly issues: readonly FieldIssue[];
  readonly #issueCount: number;
  constructor(wire: WireError) {
    super(wire.message, { publicMessage: wire.publicMessage });
    this.code = wire.code;
    this.status = wire.status;
    this.title = wire.title;
    this.headers = wire.headers;
    this.issues = wire.issues;
    this.#issueCount = wire.issueCount;
    if (wire.stack) this.stack = `${this.name}: (in a scoring worker)\n${wire.stack}`;
  }

  override get issueCount(): number {
    return this.#issueCount;
  }
}

/** Statuses a framework (Remix) answers by itself, as problems (ADR 0032). */
export class FrameworkError extends HousingMLError {
  override readonly code: string;
  override readonly status: number;
  override readonly title: string;
  constructor(status: number, title: string, message: string) {
    super(message, { publicMessage: "An unexpected error occurred." });
    this.status = status;
    this.title = title;
    this.code = status >= 500 ? "internal_error" : title.toLowerCase().replace(/\W+/g, "_");
  }
}

const CLIENT_GONE = new Set(["ECONNRESET", "EPIPE", "ERR_STREAM_PREMATURE_CLOSE", "ECONNABORTED"]);

/**
 * The level at which an error that ended a request is logged, or undefined for none: a
 * client's own mistake (4xx) is in the access log already; a client that went away is no
 * fault of ours (debug); load shedding is expected under load (warn, no stack); anything
 * else is ours (error, with the stack).
 */
export function errorLogLevel(
  error: unknown,
  clientGone = false,
): "debug" | "warn" | "error" | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (clientGone || (typeof code === "string" && CLIENT_GONE.has(code))) return "debug";
  if (error instanceof DOMException && error.name === "AbortError") return "debug";
  const status = (error as { status?: unknown } | null)?.status;
  if (!(error instanceof HousingMLError) && typeof status === "number" && status < 500) {
    return undefined; // a framework's 4xx (a route error response): the client's mistake
  }
  if (error instanceof HousingMLError) {
    if (error.status === 503) return "warn"; // shedding, or no model yet: Retry-After says when
    return error.status >= 500 ? "error" : undefined;
  }
  return "error";
}
