import { STATUS_CODES } from "node:http";
import type { Problem } from "~/api/schemas";
import { HousingMLError, MAX_LISTED_ISSUES } from "./errors.server";

// RFC 9457 problem details. The ONE place where thrown values become HTTP error responses.

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
export const PROBLEM_TYPE_BASE = "https://housing.example/problems/";

export function toProblem(error: unknown, requestId?: string): Problem {
  if (error instanceof HousingMLError) {
    return {
      type: `${PROBLEM_TYPE_BASE}${error.code}`,
      title: error.title,
      status: error.status,
      // 5xx messages may describe internals; clients get the safe public message only.
      detail: error.status >= 500 ? error.publicMessage : error.message,
      ...(requestId ? { request_id: requestId } : {}),
      ...(error.issues.length > 0 ? { errors: error.issues.slice(0, MAX_LISTED_ISSUES) } : {}),
      ...(error.issueCount > MAX_LISTED_ISSUES ? { errors_total: error.issueCount } : {}),
    };
  }
  return {
    type: `${PROBLEM_TYPE_BASE}internal_error`,
    title: "Internal Server Error",
    status: 500,
    detail: "An unexpected error occurred.",
    ...(requestId ? { request_id: requestId } : {}),
  };
}

/** The headers of a problem answer: its media type, no caching, the error's own (Allow…). */
function problemHeaders(error: unknown): Record<string, string> {
  return {
    "Content-Type": PROBLEM_CONTENT_TYPE,
    "Cache-Control": "no-store",
    ...(error instanceof HousingMLError ? error.headers : {}),
  };
}

export function toProblemResponse(error: unknown, requestId?: string): Response {
  const problem = toProblem(error, requestId);
  const headers = new Headers(problemHeaders(error));
  if (requestId) headers.set("X-Request-Id", requestId);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

/**
 * A problem as a whole HTTP/1.1 answer that closes its connection, for a socket node's HTTP
 * server hands over or gives up on (server/connections.ts: a CONNECT, a request it cannot
 * parse), where there is no response object to send a Response through.
 */
export function rawProblemAnswer(error: unknown): string {
  const problem = toProblem(error);
  const body = JSON.stringify(problem);
  const headers = {
    ...problemHeaders(error),
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Content-Type-Options": "nosniff",
    Connection: "close",
  };
  const head = [`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ""}`.trimEnd()];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  return `${head.join("\r\n")}\r\n\r\n${body}`;
}
