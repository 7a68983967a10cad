import * as crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKeyRing, matchesAnyKey } from "~/lib/auth.server";
import { send, type Sent } from "../../scripts/reliability/http";
import { predictRequest, VALID_RECORD } from "../../scripts/reliability/requests";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { missingSecurityHeaders, problemDefect } from "../reliability/problem";
import { startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

// Security evidence: every configured key is compared on every attempt (no early exit),
// no key — configured or presented — reaches the logs on any path, and every response
// (pages, API, problems, probes, static files) carries the security headers.

// Count timingSafeEqual calls made by the auth module (the real function still runs).
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe("API key comparison", () => {
  const keys = [
    "alpha_key_0123456789abcdef",
    "beta",
    "gamma_key_with_another_length_0000",
    "d",
    "epsilon_key",
  ];
  const ring = createKeyRing(keys);
  const calls = crypto.timingSafeEqual as unknown as ReturnType<typeof vi.fn>;

  it.each([
    ["the first key", keys[0], true],
    ["the last key", keys[4], true],
    ["a wrong key", "nope", false],
    ["a prefix of a key", keys[0].slice(0, 10), false],
    ["a very long key", "x".repeat(10_000), false],
  ])("compares %s against every configured key", (_what, candidate, expected) => {
    calls.mockClear();
    expect(matchesAnyKey(ring, candidate)).toBe(expected);
    expect(calls).toHaveBeenCalledTimes(keys.length);
    // Always equal-length digests: the key's length cannot change the comparison time.
    for (const [a, b] of calls.mock.calls as [Buffer, Buffer][]) {
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
    }
  });
});

const SECOND_KEY = "second_key_abcdefghijklmnopqrstuvwxyz";
const ADMIN_KEY = "admin_key_ZYXWVUTSRQPONMLKJIHGFEDCBA";
const PRESENTED = "presented_wrong_key_1234567890abcdef";

let server: TestServer;
let broken: TestServer;

beforeAll(async () => {
  const env = {
    APP_ENV: "production",
    LOG_LEVEL: "debug",
    API_KEYS: `${TEST_API_KEY},${SECOND_KEY}`,
    ADMIN_API_KEYS: ADMIN_KEY,
  };
  server = await startServer({ ...env, MODEL_URI: MODEL_DIR }, { waitPath: "/readyz" });
  // The error paths of a server without a model (503s, load failures).
  broken = await startServer({ ...env, MODEL_URI: "/nonexistent/models" });
});
afterAll(async () => {
  await Promise.all([server?.stop(), broken?.stop()]);
});

describe("keys never reach the logs", () => {
  it("on success, wrong keys, keys in odd places, admin calls and 5xx-ish paths", async () => {
    const json = (key: Record<string, string>, body: unknown, path = "/api/v1/predict"): Sent => ({
      method: "POST",
      path,
      headers: { "Content-Type": "application/json", ...key },
      body: Buffer.from(JSON.stringify(body)),
    });
    const requests: Sent[] = [
      predictRequest(TEST_API_KEY),
      predictRequest(SECOND_KEY),
      json({ Authorization: `Bearer ${SECOND_KEY}` }, { records: [VALID_RECORD] }),
      predictRequest(PRESENTED),
      json({ Authorization: `Bearer ${PRESENTED}` }, { records: [VALID_RECORD] }),
      json({ Authorization: `Basic ${Buffer.from(`u:${PRESENTED}`).toString("base64")}` }, {}),
      // keys where they do not belong: request id, URL, query, body, field names
      {
        ...predictRequest(TEST_API_KEY),
        headers: { ...predictRequest(TEST_API_KEY).headers, "X-Request-Id": TEST_API_KEY },
      },
      { method: "GET", path: `/api/v1/${TEST_API_KEY}`, headers: { "X-API-Key": TEST_API_KEY } },
      {
        method: "GET",
        path: `/no/such/page?api_key=${SECOND_KEY}&token=${PRESENTED}`,
        headers: {},
      },
      json(
        { "X-API-Key": TEST_API_KEY },
        { records: [{ ...VALID_RECORD, [SECOND_KEY]: ADMIN_KEY }] },
      ),
      {
        ...json({ "X-API-Key": TEST_API_KEY }, {}),
        body: Buffer.from(`{"records": [${ADMIN_KEY}`),
      },
      // admin reload: right key, wrong key, API key instead of the admin key
      json({ "X-API-Key": ADMIN_KEY }, {}, "/api/v1/admin/reload"),
      json({ "X-API-Key": PRESENTED }, {}, "/api/v1/admin/reload"),
      json({ "X-API-Key": TEST_API_KEY }, {}, "/api/v1/admin/reload"),
    ];
    for (const target of [server, broken]) {
      for (const r of requests) {
        const a = await send(target.url, r);
        expect(a.error).toBeUndefined();
        expect(a.status).toBeLessThan(600);
      }
    }
    // Also a load failure with the keys in the environment (the broken server retries).
    await broken.waitForLog(/model load failed/, 30_000);
    for (const target of [server, broken]) {
      // Log lines reach stdout in batches (up to 100 ms late): wait for the three admin calls'
      // access lines, the last requests sent.
      const reloads = () =>
        target
          .logs()
          .split("\n")
          .filter((l) => l.includes('"message":"request"') && l.includes("/api/v1/admin/reload"))
          .length;
      for (let i = 0; i < 100 && reloads() < 3; i++) await new Promise((r) => setTimeout(r, 100));
      const logs = target.logs();
      expect(logs.split("\n").length).toBeGreaterThan(requests.length); // the access log ran
      for (const secret of [TEST_API_KEY, SECOND_KEY, ADMIN_KEY, PRESENTED]) {
        expect(logs).not.toContain(secret);
        expect(logs).not.toContain(Buffer.from(`u:${PRESENTED}`).toString("base64"));
      }
      expect(logs).toMatch(/key_id|\[REDACTED\]/); // requests were logged, with ids instead
    }
  }, 90_000);
});

describe("security headers", () => {
  const PATHS: [string, Sent][] = [
    ["home page", { method: "GET", path: "/", headers: {} }],
    ["API docs page", { method: "GET", path: "/docs", headers: {} }],
    ["model page", { method: "GET", path: "/model", headers: {} }],
    ["batch page", { method: "GET", path: "/batch", headers: {} }],
    ["404 page", { method: "GET", path: "/no/such/page", headers: {} }],
    ["prediction", predictRequest(TEST_API_KEY)],
    ["401 problem", predictRequest("wrong")],
    ["422 problem", predictRequest(TEST_API_KEY, { records: [{}] })],
    ["model API", { method: "GET", path: "/api/v1/model", headers: { "X-API-Key": TEST_API_KEY } }],
    ["OpenAPI", { method: "GET", path: "/api/v1/openapi.json", headers: {} }],
    ["liveness", { method: "GET", path: "/healthz", headers: {} }],
    ["readiness", { method: "GET", path: "/readyz", headers: {} }],
    ["health", { method: "GET", path: "/health", headers: {} }],
  ];

  it.each(PATHS)("%s", async (_name, req) => {
    const a = await send(server.url, req);
    expect(a.error).toBeUndefined();
    expect(a.status).toBeLessThan(500);
    expect(missingSecurityHeaders(a)).toEqual([]);
    expect(a.headers["x-powered-by"]).toBeUndefined();
    expect(String(a.headers["content-security-policy"])).toMatch(/default-src 'self'/);
    expect(String(a.headers["content-security-policy"])).toMatch(/frame-ancestors 'none'/);
    if (a.status >= 400 && req.path.startsWith("/api/")) expect(problemDefect(a)).toBeNull();
  });

  it("static assets too", async () => {
    const home = await send(server.url, { method: "GET", path: "/", headers: {} });
    const asset = /(?:src|href)="(\/build\/[^"]+\.(?:js|css))"/.exec(home.body)?.[1];
    expect(asset).toBeDefined();
    const a = await send(server.url, { method: "GET", path: asset!, headers: {} });
    expect(a.status).toBe(200);
    expect(missingSecurityHeaders(a)).toEqual([]);
  });

  it("the 503 problems of a server without a model", async () => {
    const a = await send(broken.url, predictRequest(TEST_API_KEY));
    expect(a.status).toBe(503);
    expect(missingSecurityHeaders(a)).toEqual([]);
  });
});
