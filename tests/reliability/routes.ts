import fc from "fast-check";
import type { Answer, Sent } from "../../scripts/reliability/http";
import { VALID_RECORD } from "../../scripts/reliability/requests";
import { problemDefect } from "./problem";

// Every route × method × content type × odd Host and path, for the reliability battery: what
// is sent, and what is wrong with an answer (tests/reliability/battery.test.ts).

/** Paths: every route, unknown ones, and the tricks that once made one route run as another. */
export const PATHS = [
  "/",
  "/?index",
  "/?index&_data=routes/_index",
  "/?_data=routes/nope",
  "/batch",
  "/batch?_data=routes/batch",
  "/batch/download",
  "/model",
  "/docs",
  "/api/v1/predict",
  "/api/v1/predict?explain=maybe",
  "/api/v1/predict/",
  "/api/v1/predict.csv",
  "/API/V1/PREDICT",
  "/api/v1/model",
  "/api/v1/openapi.json",
  "/api/v1/admin/reload",
  "/api/v1/feedback",
  "/api/v1/monitoring",
  "/monitoring",
  "/api/v1/nope",
  "/api/../?index",
  "/%2e%2e/api/v1/model",
  "//api/v1/model",
  "/health",
  "/healthz",
  "/readyz",
  "/nope",
  "/favicon.svg",
  "/build/nope.js",
  "/__manifest?p=/batch&version=x",
  "/__manifest",
] as const;

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"];

export const CONTENT_TYPES = [
  undefined,
  "application/json",
  "application/json; charset=latin1",
  "text/csv",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "multipart/form-data",
  "application/xml",
  "application/octet-stream",
];

const MULTIPART =
  '--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n' +
  "Content-Type: text/csv\r\n\r\nGr_Liv_Area,Neighborhood\n\r\n--x--\r\n";

export const BODIES: Buffer[] = [
  "",
  "{}",
  '{"records":[{}]}',
  JSON.stringify({ records: [VALID_RECORD] }),
  '{"records":[',
  "Gr_Liv_Area,Neighborhood\n", // a header only
  "a,b\n1,2\n",
  "Gr_Liv_Area=1500&Neighborhood=North_Ames",
  MULTIPART,
  "\u0000\u0001",
].map((text) => Buffer.from(text));
BODIES.push(Buffer.from([0xff, 0xfe, 0xc3, 0x28])); // not UTF-8

/** Host headers: a real one, and ones that are not host[:port]. */
export const HOSTS = [
  undefined,
  "example.com",
  "[::1]:3000",
  "x/?index&",
  "a@b",
  "localhost:99999",
  "exa mple",
];

export type Probe = Sent & { host?: string; contentType?: string };

/** Requests across the whole matrix, sampled with a seed (`count` of them). */
export function matrix(apiKey: string, count: number, seed: number): Probe[] {
  const probe = fc.record({
    path: fc.constantFrom(...PATHS),
    method: fc.constantFrom(...METHODS),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    body: fc.constantFrom(...BODIES),
    // Mostly a real Host, so the odd ones do not hide the routes behind their 400.
    host: fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.constantFrom(...HOSTS) },
    ),
    key: fc.constantFrom<"none" | "real" | "wrong" | "in-query">(
      "none",
      "real",
      "wrong",
      "in-query",
    ),
    accept: fc.constantFrom(undefined, "text/csv", "text/html", "application/json"),
    chunked: fc.boolean(),
  });
  return fc.sample(probe, { numRuns: count, seed }).map((p) => {
    const headers: Record<string, string> = {};
    if (p.contentType) headers["Content-Type"] = p.contentType;
    if (p.host) headers.Host = p.host;
    if (p.accept) headers.Accept = p.accept;
    if (p.key === "real") headers["X-API-Key"] = apiKey;
    if (p.key === "wrong") headers["X-API-Key"] = "wrongkey_0123456789abcdefghij";
    if (p.chunked) headers["Transfer-Encoding"] = "chunked";
    const sep = p.path.includes("?") ? "&" : "?";
    const path = p.key === "in-query" ? `${p.path}${sep}api_key=${apiKey}` : p.path;
    const bodyless = p.method === "GET" || p.method === "HEAD";
    return {
      method: p.method,
      path,
      headers,
      body: bodyless ? undefined : p.body,
      host: p.host,
      contentType: p.contentType,
    };
  });
}

/** A page URL: its path, resolved as the server resolves it, is not under /api/. */
const isPagePath = (path: string) => !new URL(`http://h${path}`).pathname.startsWith("/api/");

/**
 * What is wrong with an answer, or null: any 5xx or socket error; an error that is neither a
 * problem+json with the request id nor a page (HTML for a page URL, a Remix data answer for a
 * `?_data` request).
 */
export function answerDefect(p: Probe, a: Answer): string | null {
  if (a.error) return `no HTTP answer: ${a.error}`;
  if (a.status >= 500) return `status ${a.status}`;
  if (a.status < 400) return null;
  const type = String(a.headers["content-type"] ?? "");
  if (p.method === "HEAD") {
    // No body to check; the type still says which kind of error it is.
    return type.startsWith("application/problem+json") || type.startsWith("text/html")
      ? null
      : `HEAD ${a.status} with content-type "${type}"`;
  }
  if (type.startsWith("application/problem+json")) return problemDefect(a);
  if (isPagePath(p.path) && type.startsWith("text/html")) return null;
  if (p.path.includes("_data=") && type.startsWith("application/json")) return null;
  return `${a.status} is not a problem: content-type "${type}", body ${a.body.slice(0, 80)}`;
}
