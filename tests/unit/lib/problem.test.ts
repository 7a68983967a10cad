import { describe, expect, it } from "vitest";
import * as errors from "~/lib/errors.server";
import {
  AuthenticationError,
  ConfigurationError,
  HousingMLError,
  InvalidInputError,
  MalformedRequestError,
  MethodNotAllowedError,
  InvalidBundleError,
  ModelNotFoundError,
  ModelNotReadyError,
  ModelStoreError,
  ModelReloadError,
  NotFoundError,
  PayloadTooLargeError,
  HeaderFieldsTooLargeError,
  PredictionError,
  RateLimitError,
  RequestTimeoutError,
  FrameworkError,
  ServerBusyError,
  MAX_LISTED_ISSUES,
  toWireError,
  errorLogLevel,
  UnsupportedMediaTypeError,
  WorkerReportedError,
} from "~/lib/errors.server";
import {
  PROBLEM_CONTENT_TYPE,
  rawProblemAnswer,
  toProblem,
  toProblemResponse,
} from "~/lib/problem.server";

const RID = "req-0123456789";
const TYPE_BASE = "https://housing.example/problems/";
// Internal text that must never reach a client in a 5xx response.
const INTERNAL = "ORT session at /srv/models/v3/model.onnx crashed: SIGSEGV";

type Case = {
  error: HousingMLError;
  status: number;
  code: string;
  detail: string;
  headers?: Record<string, string>;
};

const CASES: Record<string, Case> = {
  HousingMLError: {
    error: new HousingMLError(INTERNAL, { publicMessage: "Something failed." }),
    status: 500,
    code: "internal_error",
    detail: "Something failed.",
  },
  ConfigurationError: {
    error: new ConfigurationError(`Invalid configuration:\n  - ${INTERNAL}`),
    status: 500,
    code: "configuration_error",
    detail: "The service is misconfigured.",
  },
  ModelNotReadyError: {
    error: new ModelNotReadyError(INTERNAL),
    status: 503,
    code: "model_unavailable",
    detail: "The prediction model is not loaded yet; retry shortly.",
    headers: { "Retry-After": "5" },
  },
  ModelNotFoundError: {
    error: new ModelNotFoundError("No model bundle at models/ (missing LATEST)"),
    status: 404,
    code: "model_not_found",
    detail: "No model bundle at models/ (missing LATEST)",
  },
  InvalidBundleError: {
    error: new InvalidBundleError(INTERNAL),
    status: 500,
    code: "invalid_bundle",
    detail: "The model bundle is invalid.",
  },
  ModelStoreError: {
    error: new ModelStoreError(INTERNAL),
    status: 502,
    code: "model_store_unavailable",
    detail: "The model store could not be read.",
  },
  InvalidInputError: {
    error: new InvalidInputError("2 fields are invalid.", [
      { path: "records[0].GrLivArea", message: "must be positive" },
      { path: "records[1].Neighborhood", message: "unknown value" },
    ]),
    status: 422,
    code: "invalid_input",
    detail: "2 fields are invalid.",
  },
  MalformedRequestError: {
    error: new MalformedRequestError("Body is not valid JSON."),
    status: 400,
    code: "malformed_request",
    detail: "Body is not valid JSON.",
  },
  UnsupportedMediaTypeError: {
    error: new UnsupportedMediaTypeError("Send application/json or text/csv."),
    status: 415,
    code: "unsupported_media_type",
    detail: "Send application/json or text/csv.",
  },
  PredictionError: {
    error: new PredictionError(INTERNAL, { cause: new Error(INTERNAL) }),
    status: 500,
    code: "prediction_failed",
    detail: "The model could not compute a prediction.",
  },
  AuthenticationError: {
    error: new AuthenticationError("Missing or invalid API key."),
    status: 401,
    code: "unauthorized",
    detail: "Missing or invalid API key.",
    headers: { "WWW-Authenticate": 'Bearer realm="api", ApiKey header="X-API-Key"' },
  },
  PayloadTooLargeError: {
    error: new PayloadTooLargeError("Body exceeds 2048 bytes."),
    status: 413,
    code: "payload_too_large",
    detail: "Body exceeds 2048 bytes.",
  },
  ModelReloadError: {
    error: new ModelReloadError(INTERNAL, { previousServes: true }),
    status: 502,
    code: "model_reload_failed",
    detail: "The new model bundle could not be loaded; the previous model keeps serving.",
  },
  RateLimitError: {
    error: new RateLimitError({ retryAfterSeconds: 2.2 }),
    status: 429,
    code: "rate_limited",
    detail: "Rate limit exceeded; retry in 2.2s.",
    headers: { "Retry-After": "3" },
  },
  NotFoundError: {
    error: new NotFoundError("No model version v9."),
    status: 404,
    code: "not_found",
    detail: "No model version v9.",
  },
  MethodNotAllowedError: {
    error: new MethodNotAllowedError(["GET", "POST"]),
    status: 405,
    code: "method_not_allowed",
    detail: "Use GET, POST.",
    headers: { Allow: "GET, POST" },
  },
  ServerBusyError: {
    error: new ServerBusyError("Every scoring worker is busy."),
    status: 503,
    code: "server_busy",
    detail: "Every scoring worker is busy.",
    headers: { "Retry-After": "1" },
  },
  HeaderFieldsTooLargeError: {
    error: new HeaderFieldsTooLargeError("The request's header fields are too large."),
    status: 431,
    code: "header_fields_too_large",
    detail: "The request's header fields are too large.",
    headers: { Connection: "close" },
  },
  RequestTimeoutError: {
    error: new RequestTimeoutError("The request body did not arrive within 30000 ms."),
    status: 408,
    code: "request_timeout",
    detail: "The request body did not arrive within 30000 ms.",
    headers: { Connection: "close" },
  },
  FrameworkError: {
    error: new FrameworkError(500, "Internal Server Error", INTERNAL),
    status: 500,
    code: "internal_error",
    detail: "An unexpected error occurred.",
  },
  WorkerReportedError: {
    error: new WorkerReportedError(
      toWireError(new InvalidInputError("1 field is invalid.", [{ path: "x", message: "bad" }])),
    ),
    status: 422,
    code: "invalid_input",
    detail: "1 field is invalid.",
  },
};

describe("error hierarchy", () => {
  it("has a mapping case for every exported error class", () => {
    const classes = Object.entries(errors)
      .filter(([, v]) => typeof v === "function" && v.prototype instanceof Error)
      .map(([name]) => name);
    expect(classes.sort()).toEqual(Object.keys(CASES).sort());
  });

  it("every class is a HousingMLError and an Error, named after itself", () => {
    for (const [name, { error }] of Object.entries(CASES)) {
      expect(error).toBeInstanceOf(HousingMLError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.stack).toContain(name);
    }
  });
});

describe("a problem lists the first issues and counts them all", () => {
  const issues = Array.from({ length: 250 }, (_, i) => ({ path: `records[${i}]`, message: "bad" }));

  it("on the event loop and through a scoring thread's wire form alike", () => {
    const error = new InvalidInputError("250 of 250 records are invalid", issues);
    for (const e of [error, new WorkerReportedError(toWireError(error))]) {
      const problem = toProblem(e, RID);
      expect(problem.errors).toHaveLength(MAX_LISTED_ISSUES);
      expect(problem.errors?.[0]).toEqual(issues[0]);
      expect(problem.errors_total).toBe(250);
    }
    expect(toWireError(error).issues).toHaveLength(MAX_LISTED_ISSUES);
  });

  it("says nothing of a total when every issue is listed", () => {
    const problem = toProblem(new InvalidInputError("bad", issues.slice(0, 3)), RID);
    expect(problem.errors).toHaveLength(3);
    expect(problem).not.toHaveProperty("errors_total");
  });
});

describe("toProblemResponse: one mapping for every error class", () => {
  it.each(Object.entries(CASES))("%s", async (_name, c) => {
    const response = toProblemResponse(c.error, RID);
    expect(response.status).toBe(c.status);
    expect(response.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("X-Request-Id")).toBe(RID);
    for (const [header, value] of Object.entries(c.headers ?? {})) {
      expect(response.headers.get(header)).toBe(value);
    }
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      type: `${TYPE_BASE}${c.code}`,
      title: c.error.title,
      status: c.status,
      detail: c.detail,
      request_id: RID,
    });
    expect(typeof body.title).toBe("string");
    expect(body.title.length).toBeGreaterThan(0);
    // Nothing internal leaks: no stack frames, no internal 5xx message.
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(text).not.toContain("stack");
    if (c.status >= 500) expect(text).not.toContain("SIGSEGV");
  });

  it("adds no extra headers to errors that have none", () => {
    const response = toProblemResponse(new PayloadTooLargeError("too big"), RID);
    expect(response.headers.get("Retry-After")).toBeNull();
    expect(response.headers.get("WWW-Authenticate")).toBeNull();
    expect(response.headers.get("Allow")).toBeNull();
  });
});

describe("errors crossing a worker thread (toWireError → structuredClone → WorkerReportedError)", () => {
  const across = (error: unknown) => new WorkerReportedError(structuredClone(toWireError(error)));

  it.each(Object.entries(CASES))("%s answers the same problem and headers", async (_name, c) => {
    const direct = toProblemResponse(c.error, RID);
    const rebuilt = toProblemResponse(across(c.error), RID);
    expect(rebuilt.status).toBe(direct.status);
    expect([...rebuilt.headers]).toEqual([...direct.headers]);
    expect(await rebuilt.json()).toEqual(await direct.json());
  });

  it("keeps the worker's stack for the logs, never for the client", async () => {
    const rebuilt = across(new PredictionError(INTERNAL, { cause: new Error("x") }));
    expect(rebuilt.stack).toContain("in a scoring worker");
    expect(rebuilt.stack).toContain(INTERNAL);
    const text = await toProblemResponse(rebuilt, RID).text();
    expect(text).not.toContain("SIGSEGV");
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it("turns a foreign error into the same generic 500 as on the event loop", () => {
    const thrown = new TypeError(`Cannot read properties of undefined (${INTERNAL})`);
    expect(toProblem(across(thrown), RID)).toEqual(toProblem(thrown, RID));
  });
});

describe("toProblem: input errors", () => {
  it("lists per-field issues under `errors` for InvalidInputError", () => {
    const problem = toProblem(CASES.InvalidInputError.error, RID);
    expect(problem.errors).toEqual([
      { path: "records[0].GrLivArea", message: "must be positive" },
      { path: "records[1].Neighborhood", message: "unknown value" },
    ]);
  });

  it("carries issues for MalformedRequestError (a 400 subclass) too", () => {
    const error = new MalformedRequestError("Bad CSV.", [{ path: "line 3", message: "quote" }]);
    expect(toProblem(error).errors).toEqual([{ path: "line 3", message: "quote" }]);
  });

  it("omits `errors` when there are no issues, and for other classes", () => {
    expect(toProblem(new InvalidInputError("bad"))).not.toHaveProperty("errors");
    expect(toProblem(CASES.AuthenticationError.error)).not.toHaveProperty("errors");
  });

  it("omits request_id when none is known", () => {
    expect(toProblem(new NotFoundError("x"))).not.toHaveProperty("request_id");
    expect(toProblemResponse(new NotFoundError("x")).headers.get("X-Request-Id")).toBeNull();
  });
});

describe("toProblemResponse: unknown thrown values", () => {
  class DatabaseError extends Error {
    status = 404; // a foreign error's own status must not be trusted
  }
  const unknowns: [string, unknown][] = [
    ["an Error", new Error(INTERNAL)],
    ["a TypeError", new TypeError(`Cannot read properties of undefined (${INTERNAL})`)],
    ["a foreign error class with a status", new DatabaseError(INTERNAL)],
    ["a string", INTERNAL],
    ["an object", { message: INTERNAL, stack: `Error: ${INTERNAL}\n    at x (/a.js:1:2)` }],
    ["null", null],
    ["undefined", undefined],
  ];

  it.each(unknowns)("%s becomes a generic 500", async (_name, thrown) => {
    const response = toProblemResponse(thrown, RID);
    expect(response.status).toBe(500);
    expect(response.headers.get("Content-Type")).toBe(PROBLEM_CONTENT_TYPE);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      type: `${TYPE_BASE}internal_error`,
      title: "Internal Server Error",
      status: 500,
      detail: "An unexpected error occurred.",
      request_id: RID,
    });
    expect(text).not.toContain("SIGSEGV");
    expect(text).not.toContain("/srv/models");
  });
});

describe("errorLogLevel: how loud an error that ended a request is", () => {
  it("nothing for a client's mistake, debug for a client gone, warn for shedding, error for ours", () => {
    expect(errorLogLevel(new InvalidInputError("bad"))).toBeUndefined();
    expect(errorLogLevel(new MethodNotAllowedError(["GET"]))).toBeUndefined();
    expect(errorLogLevel({ status: 405, statusText: "Method Not Allowed" })).toBeUndefined();
    expect(errorLogLevel(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(
      "debug",
    );
    expect(errorLogLevel(new Error("write after end"), true)).toBe("debug");
    expect(errorLogLevel(new DOMException("aborted", "AbortError"))).toBe("debug");
    expect(errorLogLevel(new ServerBusyError("queue full"))).toBe("warn");
    expect(errorLogLevel(new ModelNotReadyError("loading"))).toBe("warn");
    expect(errorLogLevel(new PredictionError(INTERNAL))).toBe("error");
    expect(errorLogLevel(new TypeError("x is undefined"))).toBe("error");
  });
});

describe("rawProblemAnswer: the same problem as a whole HTTP/1.1 answer", () => {
  it.each(Object.entries(CASES))("%s", async (_name, c) => {
    const answer = rawProblemAnswer(c.error);
    const [head, body] = answer.split("\r\n\r\n");
    const [statusLine, ...lines] = head.split("\r\n");
    expect(statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status}( |$)`));
    const headers = new Map(
      lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
    );
    const response = toProblemResponse(c.error);
    for (const [name, value] of response.headers) {
      expect([...headers].find(([k]) => k.toLowerCase() === name)?.[1]).toBe(value);
    }
    expect(headers.get("Connection")).toBe("close");
    expect(headers.get("Content-Length")).toBe(String(Buffer.byteLength(body)));
    expect(JSON.parse(body)).toEqual(await response.json());
  });
});
