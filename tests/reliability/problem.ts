import type { Answer } from "../../scripts/reliability/http";

/**
 * What is wrong with an answer that should be a client-error problem (RFC 9457), or null:
 * a 4xx status, content type application/problem+json, a JSON body whose `status` equals the
 * HTTP status, a title, and the request id that the X-Request-Id header carries.
 */
export function problemDefect(a: Answer): string | null {
  if (a.error) return `no HTTP answer: ${a.error}`;
  if (a.status < 400 || a.status > 499) return `status ${a.status}`;
  const type = String(a.headers["content-type"] ?? "");
  if (!type.startsWith("application/problem+json")) return `content-type "${type}"`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    return `body is not JSON: ${a.body.slice(0, 80)}`;
  }
  if (body.status !== a.status) return `body.status ${String(body.status)} ≠ ${a.status}`;
  if (typeof body.title !== "string" || body.title === "") return "no title";
  const id = a.headers["x-request-id"];
  if (typeof body.request_id !== "string" || body.request_id !== id) {
    return `request_id ${String(body.request_id)} ≠ X-Request-Id ${String(id)}`;
  }
  return null;
}

/** Headers every response (page, API, problem, static file) must carry. */
export const SECURITY_HEADERS = [
  "content-security-policy",
  "x-content-type-options",
  "x-frame-options",
  "referrer-policy",
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
] as const;

export function missingSecurityHeaders(a: Pick<Answer, "headers">): string[] {
  return SECURITY_HEADERS.filter((h) => a.headers[h] === undefined);
}
