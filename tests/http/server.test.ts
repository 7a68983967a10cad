import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINIMAL_RECORD, withoutPredictionIds } from "./helpers/api-fixtures";
import { openUpload, probeConnect, rawExchange, sleep } from "./helpers/http";
import { spawnServer, startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

// The built production server (server-build/index.js) over real sockets: request ids,
// security headers, body limit, access log, metrics, 404, graceful shutdown, config errors.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The dashboard's estimate form action (reads `request.formData()`), for the body limit.
const BODY_READING_ROUTE = "/?index";
const FORM_HEADERS = { "Content-Type": "application/x-www-form-urlencoded" };

type LogEntry = Record<string, unknown> & { level: string; message: string };

function jsonLogLines(output: string): LogEntry[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogEntry);
}

describe("built server", () => {
  let server: TestServer;

  beforeAll(async () => {
    // Production mode: JSON logs, the production header set; debug level to see probe lines.
    // Some cases post to the prediction route, which answers 503 until the model is ready.
    server = await startServer(
      { APP_ENV: "production", LOG_LEVEL: "debug", MAX_BODY_BYTES: "2048" },
      { waitPath: "/readyz" },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  // A streamed (chunked) body has no Content-Length for the server to check up front.
  const chunkedPost = (path: string, headers: Record<string, string>, chunks: string[]) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = http.request(`${server.url}${path}`, { method: "POST", headers });
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }),
        );
      });
      req.on("error", reject);
      for (const c of chunks) req.write(c); // no Content-Length → Transfer-Encoding: chunked
      req.end();
    });

  describe("request id", () => {
    it("generates one when the client sends none", async () => {
      const a = await fetch(`${server.url}/healthz`);
      const b = await fetch(`${server.url}/healthz`);
      expect(a.headers.get("x-request-id")).toMatch(UUID);
      expect(b.headers.get("x-request-id")).toMatch(UUID);
      expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
    });

    it("echoes a valid incoming X-Request-Id", async () => {
      for (const id of ["client-req-0001", "0f8c2a1e:trace.span_42", "a".repeat(128)]) {
        const res = await fetch(`${server.url}/healthz`, { headers: { "X-Request-Id": id } });
        expect(res.headers.get("x-request-id")).toBe(id);
      }
    });

    it("replaces an invalid one (too short, too long, unsafe characters)", async () => {
      for (const id of ["short", "a".repeat(129), "has spaces in it", "<script>alert(1)"]) {
        const res = await fetch(`${server.url}/healthz`, { headers: { "X-Request-Id": id } });
        expect(res.headers.get("x-request-id")).toMatch(UUID);
      }
    });
  });

  describe("security headers", () => {
    function expectCommonHeaders(res: Response) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("x-frame-options")).toMatch(/^(DENY|SAMEORIGIN)$/);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      return csp;
    }

    it("a page: CSP nonce matches the nonce of every script on the page", async () => {
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(200);
      const csp = expectCommonHeaders(res);
      const nonce = /script-src [^;]*'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(nonce!.length).toBeGreaterThanOrEqual(16);
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThanOrEqual(2); // hydration context + module entry
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      // A fresh nonce per response.
      const again = await fetch(`${server.url}/`);
      await again.arrayBuffer();
      expect(again.headers.get("content-security-policy")).not.toContain(`'nonce-${nonce}'`);
    });

    it("a resource route carries the same headers", async () => {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(200);
      expectCommonHeaders(res);
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/); // production
    });

    it("fingerprinted build assets are served with immutable caching", async () => {
      const html = await (await fetch(`${server.url}/`)).text();
      const asset = /href="(\/build\/[^"]+\.js)"/.exec(html)?.[1];
      expect(asset).toBeTruthy();
      const res = await fetch(`${server.url}${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toContain("immutable");
      expect(res.headers.get("cache-control")).toContain("max-age=31536000");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    });
  });

  describe("body size limit", () => {
    it("a body over MAX_BODY_BYTES → 413 problem+json with the request id", async () => {
      const body = JSON.stringify({ records: [{ note: "x".repeat(4096) }] });
      const res = await fetch(`${server.url}/api/v1/predict`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-API-Key": TEST_API_KEY,
          "X-Request-Id": "too-large-0001",
        },
        body,
      });
      expect(res.status).toBe(413);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = await res.json();
      expect(problem).toMatchObject({
        status: 413,
        title: "Payload too large",
        request_id: "too-large-0001",
      });
      expect(problem.type).toMatch(/payload_too_large$/);
      expect(problem.detail).toContain("2048");
    });

    it("the same limit applies to form posts", async () => {
      const res = await fetch(`${server.url}${BODY_READING_ROUTE}`, {
        method: "POST",
        headers: FORM_HEADERS,
        body: `Neighborhood=${"x".repeat(3000)}`,
      });
      expect(res.status).toBe(413);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    });

    it("a chunked form post without Content-Length is counted while streaming: over → 413", async () => {
      const res = await chunkedPost(BODY_READING_ROUTE, FORM_HEADERS, [
        "Neighborhood=",
        "x".repeat(3000),
      ]);
      expect(res.status).toBe(413);
      expect(res.type).toBe("application/problem+json");
      expect(JSON.parse(res.body)).toMatchObject({ status: 413, title: "Payload too large" });
    });

    it("a chunked form post under the limit reaches the page's action", async () => {
      const res = await chunkedPost(BODY_READING_ROUTE, FORM_HEADERS, ["Gr_Liv_Area=", "-5"]);
      expect(res.status).toBe(422); // the form's own validation, so the action read the body
      expect(res.body).toContain("Gr_Liv_Area");
    });

    it("a chunked API body is counted while streaming: over the limit → 413", async () => {
      const headers = { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY };
      const res = await chunkedPost("/api/v1/predict", headers, [
        '{"records":[{"a":"',
        "x".repeat(3000),
        '"}]}',
      ]);
      expect(res.status).toBe(413);
      expect(res.type).toBe("application/problem+json");
    });

    it("a body under the limit is not rejected by the limit", async () => {
      const res = await fetch(`${server.url}${BODY_READING_ROUTE}`, {
        method: "POST",
        headers: FORM_HEADERS,
        body: "GrLivArea=1500",
        redirect: "manual",
      });
      await res.arrayBuffer();
      expect(res.status).not.toBe(413);
      expect(res.status).toBeLessThan(500);
    });
  });

  describe("request creation (server/admission.ts)", () => {
    it("keep-alive holds for bodyless and small requests: one socket, no Connection: close", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const body = JSON.stringify({ records: [MINIMAL_RECORD] });
      const ask = (method: string, urlPath: string, payload?: string) =>
        new Promise<{ connection?: string; reused: boolean; status?: number }>(
          (resolve, reject) => {
            const req = http.request(
              `${server.url}${urlPath}`,
              {
                method,
                agent,
                headers: payload
                  ? { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY }
                  : {},
              },
              (res) => {
                res.resume();
                res.on("end", () =>
                  resolve({
                    connection: res.headers.connection,
                    reused: req.reusedSocket,
                    status: res.statusCode,
                  }),
                );
              },
            );
            req.on("error", reject);
            req.end(payload);
          },
        );
      try {
        const answers = [];
        for (const [method, urlPath, payload] of [
          ["GET", "/healthz"],
          ["GET", "/healthz"],
          ["GET", "/"],
          ["POST", "/api/v1/predict", body],
          ["GET", "/readyz"],
        ] as const)
          answers.push(await ask(method, urlPath, payload));
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
        expect(answers.map((a) => a.connection)).not.toContain("close");
        expect(answers.slice(1).every((a) => a.reused)).toBe(true);
      } finally {
        agent.destroy();
      }
    });

    it("a Host header that makes no URL → 400 problem+json, not a 500", async () => {
      const body = JSON.stringify({ records: [MINIMAL_RECORD] });
      const requests = [
        "GET /healthz HTTP/1.1\r\nHost: [\r\nX-Request-Id: bad-host-0001\r\n\r\n",
        `POST /api/v1/predict HTTP/1.1\r\nHost: [\r\nContent-Type: application/json\r\n` +
          `X-API-Key: ${TEST_API_KEY}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        `POST /api/v1/predict HTTP/1.1\r\nHost: [\r\nContent-Type: application/json\r\n` +
          `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      ];
      for (const request of requests) {
        const answer = await rawExchange(
          server.port,
          request.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n"),
        );
        expect(answer).toMatch(/^HTTP\/1\.1 400 /);
        expect(answer).toContain("application/problem+json");
        expect(answer).toContain("not a valid URL");
      }
      expect(server.logs()).not.toContain("unhandled server error");
    });

    it("a small API body (read before Remix) and the same body streamed give the same answer", async () => {
      const body = JSON.stringify({
        records: [MINIMAL_RECORD, { ...MINIMAL_RECORD, Gr_Liv_Area: -1 }],
      });
      const headers = { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY };
      const whole = await fetch(`${server.url}/api/v1/predict`, { method: "POST", headers, body });
      // Without a Content-Length the body is chunked and streams to the route.
      const streamed = await chunkedPost("/api/v1/predict", headers, [
        body.slice(0, 100),
        body.slice(100),
      ]);
      expect(whole.status).toBe(200);
      expect(streamed.status).toBe(200);
      const answer = await whole.json();
      expect(answer.predictions).toHaveLength(2);
      expect(answer.predictions[1].error.errors[0].path).toBe("Gr_Liv_Area");
      const streamedAnswer = JSON.parse(streamed.body);
      expect({ ...streamedAnswer, predictions: undefined }).toEqual({
        ...answer,
        predictions: undefined,
      });
      expect(withoutPredictionIds(streamedAnswer.predictions)).toEqual(
        withoutPredictionIds(answer.predictions),
      );
    });

    it("a client that leaves mid-body: no error logged, the server goes on answering", async () => {
      const body = JSON.stringify({ records: [MINIMAL_RECORD] });
      const upload = openUpload(`${server.url}/api/v1/predict`, {
        headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
        first: body.slice(0, 40),
        totalBytes: body.length,
      });
      await sleep(100);
      upload.abort();
      await expect(upload.response).rejects.toThrow();
      await sleep(100);
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(200);
      expect(server.logs()).not.toContain("unhandled server error");
    });
  });

  it("an unknown URL → the HTML 404 page", async () => {
    const res = await fetch(`${server.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Page not found");
    expect(html).not.toMatch(/\bat .+\.js:\d+/); // no stack trace
  });

  it("compresses large responses for clients that accept it", async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .get(`${server.url}/`, { headers: { "Accept-Encoding": "gzip" } }, resolve)
        .once("error", reject),
    );
    res.resume();
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(res.headers.vary).toMatch(/accept-encoding/i);
  });

  describe("access log", () => {
    async function logLinesFor(requestId: string) {
      await server.waitForLog(new RegExp(`"request_id":"${requestId}"`));
      await sleep(100); // a duplicate line, if any, would come right after
      return jsonLogLines(server.logs()).filter(
        (e) => e.message === "request" && e.request_id === requestId,
      );
    }

    it("lines are written in batches, not one write(2) per line, and none is lost", async () => {
      // /proc/<pid>/io counts a process's write syscalls (the responses, and some of libuv's
      // own). The same 200 requests against a server that logs nothing (LOG_LEVEL=warn) give
      // the baseline; the other (LOG_LEVEL=debug) logs a line for each of them. Both write
      // stdout to a file: into a pipe that this process drains late (a loaded CI box), one
      // buffer can take several partial writes, which would count against the batching.
      // libuv's own writes (event-loop wake-ups: 0.4–1.2 per request on Node 24, run to run)
      // only ever add: each server's figure is the least of BURSTS bursts.
      const BURSTS = 3;
      const writesPerRequest = async (target: TestServer, tag: string) => {
        const writes = () =>
          Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${target.proc.pid}/io`, "utf8"))?.[1]);
        let least = Number.POSITIVE_INFINITY;
        for (let burst = 0; burst < BURSTS; burst++) {
          const before = writes();
          // A burst (10 connections × 20 requests), so that the lines, not the 100 ms timer,
          // fill the buffer even on a slow machine.
          const lane = async (l: number) => {
            for (let i = 0; i < 20; i++) {
              const id = `${tag}-${burst}-${String(l * 20 + i).padStart(4, "0")}`;
              const res = await fetch(`${target.url}/healthz`, { headers: { "X-Request-Id": id } });
              await res.arrayBuffer();
            }
          };
          await Promise.all(Array.from({ length: 10 }, (_, l) => lane(l)));
          await sleep(250); // the buffer is flushed at least every 100 ms
          least = Math.min(least, (writes() - before) / 200);
        }
        return least;
      };
      const dir = mkdtempSync(path.join(tmpdir(), "access-log-"));
      const production = { APP_ENV: "production" };
      const quiet = await startServer(
        { ...production, LOG_LEVEL: "warn" },
        { stdoutFile: path.join(dir, "quiet.log") },
      );
      const logging = await startServer(
        { ...production, LOG_LEVEL: "debug" },
        { stdoutFile: path.join(dir, "debug.log") },
      );
      try {
        const baseline = await writesPerRequest(quiet, "unlogged");
        const logged = await writesPerRequest(logging, "batched-log");
        // One write per line would add 1 per request.
        expect(logged - baseline).toBeLessThan(0.3);
        const lines = jsonLogLines(logging.logs()).filter((e) =>
          String(e.request_id).startsWith("batched-log-"),
        );
        expect(new Set(lines.map((e) => e.request_id)).size).toBe(BURSTS * 200);
      } finally {
        await Promise.all([quiet.stop(), logging.stop()]);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("writes exactly one JSON line per request with method, path, status, duration", async () => {
      const res = await fetch(`${server.url}/?utm=secret-campaign`, {
        headers: { "X-Request-Id": "access-log-0001" },
      });
      await res.arrayBuffer();
      const lines = await logLinesFor("access-log-0001");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: "info",
        method: "GET",
        path: "/", // the query string is not logged
        status: 200,
        request_id: "access-log-0001",
      });
      expect(typeof lines[0].duration_ms).toBe("number");
      expect(lines[0].duration_ms).toBeGreaterThan(0);
      expect(server.logs()).not.toContain("secret-campaign");
    });

    it("logs error statuses too", async () => {
      const res = await fetch(`${server.url}/missing-page`, {
        headers: { "X-Request-Id": "access-log-0404" },
      });
      await res.arrayBuffer();
      const lines = await logLinesFor("access-log-0404");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ path: "/missing-page", status: 404, method: "GET" });
    });

    it("logs health probes at debug level only", async () => {
      const res = await fetch(`${server.url}/healthz`, {
        headers: { "X-Request-Id": "probe-log-0001" },
      });
      await res.arrayBuffer();
      const lines = await logLinesFor("probe-log-0001");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: "debug", path: "/healthz", status: 200 });
    });
  });

  describe("metrics listener", () => {
    it("serves Prometheus metrics on its own port, counting requests", async () => {
      expect(server.metricsPort).not.toBe(server.port);
      await (await fetch(`${server.url}/healthz`)).arrayBuffer();
      const res = await fetch(`${server.metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const text = await res.text();
      const count =
        /^http_requests_total\{route="\/healthz",method="GET",status="200"\} (\d+)$/m.exec(text);
      expect(Number(count?.[1])).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^http_request_duration_seconds_bucket\{/m);
      expect(text).toContain("process_cpu_user_seconds_total");
    });

    it("answers other paths and methods on its port with a problem, like the app port", async () => {
      for (const [method, path, status] of [
        ["GET", "/../etc/passwd", 404],
        ["POST", "/metrics", 405],
        ["DELETE", "/metrics", 405],
      ] as const) {
        const res = await fetch(`${server.metricsUrl}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(status);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(((await res.json()) as { status: number }).status).toBe(status);
      }
      const head = await fetch(`${server.metricsUrl}/metrics`, { method: "HEAD" });
      expect(head.status).toBe(200);
    });

    it("keeps an idle connection past the ALB's 60 s on the app port only", async () => {
      const keepAlive = (url: string) =>
        new Promise<string>((resolve, reject) =>
          http
            .get(url, (res) => {
              res.resume();
              resolve(String(res.headers["keep-alive"]));
            })
            .on("error", reject),
        );
      expect(await keepAlive(`${server.url}/healthz`)).toBe("timeout=65");
      expect(await keepAlive(`${server.metricsUrl}/metrics`)).toBe("timeout=5");
    });

    it("does not expose /metrics on the public port", async () => {
      const res = await fetch(`${server.url}/metrics`);
      await res.arrayBuffer();
      expect(res.status).toBe(404);
    });
  });
});

describe("graceful shutdown", () => {
  // The prediction API reads the whole body before answering, so a body uploaded in two
  // parts keeps the request genuinely in flight. It needs the committed model: wait for
  // /readyz, not just /healthz.
  const PREDICT = "/api/v1/predict";
  const API_HEADERS = { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY };
  const body = JSON.stringify({ records: [MINIMAL_RECORD] });
  const FIRST = body.slice(0, 40);
  const REST = body.slice(40);
  const TOTAL = Buffer.byteLength(body);
  const ready = { waitPath: "/readyz" };

  it("SIGTERM: refuses new connections, finishes the in-flight request, exits 0 in time", async () => {
    const grace = 5_000;
    const server = await startServer(
      { SHUTDOWN_GRACE_MS: String(grace), LOG_LEVEL: "info" },
      ready,
    );
    // A keep-alive client, like a load balancer: the server must not wait for it to hang up.
    const agent = new http.Agent({ keepAlive: true });
    try {
      const upload = openUpload(`${server.url}${PREDICT}`, {
        headers: API_HEADERS,
        first: FIRST,
        totalBytes: TOTAL,
        agent,
      });
      await sleep(300); // the handler is now waiting for the rest of the body
      const stopping = server.stop("SIGTERM");
      await server.waitForLog(/shutdown started/);

      // The listener closes right after that log line: allow it a moment, not more.
      let probe = await probeConnect(server.port);
      for (let i = 0; i < 10 && probe === "accepted"; i++) {
        await sleep(50);
        probe = await probeConnect(server.port);
      }
      expect(probe).toBe("refused");
      expect(server.proc.exitCode).toBeNull(); // still serving the in-flight request

      await sleep(300);
      const sentAt = upload.finish(REST);
      const response = await upload.response;
      expect(response.receivedAt).toBeGreaterThanOrEqual(sentAt); // it waited for the body
      expect(response.status).toBe(200); // a real, complete prediction
      expect(JSON.parse(response.body).predictions[0].price).toBeGreaterThan(10_000);
      expect(response.headers["x-request-id"]).toMatch(UUID);

      const exit = await stopping;
      // Exit 0 means before the grace period: its timer exits 1 and logs that it did.
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(server.logs()).toContain("shutdown complete");
      expect(server.logs()).not.toContain("grace period exceeded");
    } finally {
      agent.destroy();
      await server.stop("SIGKILL");
    }
  });

  it("a request still running after SHUTDOWN_GRACE_MS makes the process exit non-zero", async () => {
    const grace = 500;
    const server = await startServer(
      { SHUTDOWN_GRACE_MS: String(grace), LOG_LEVEL: "info" },
      ready,
    );
    const upload = openUpload(`${server.url}${PREDICT}`, {
      headers: API_HEADERS,
      first: FIRST,
      totalBytes: TOTAL, // never finished
    });
    try {
      await sleep(300);
      const exit = await server.stop("SIGTERM");
      // By itself (not the helper's SIGKILL), once its grace timer ran out, and not before.
      expect(exit).toMatchObject({ code: 1, signal: null });
      expect(exit.ms).toBeGreaterThanOrEqual(grace - 50);
      expect(server.logs()).toContain("shutdown grace period exceeded");
      await expect(upload.response).rejects.toThrow();
    } finally {
      upload.abort();
      await server.stop("SIGKILL");
    }
  });

  it("SHUTDOWN_DRAIN_MS: keeps accepting with /readyz 503 and Connection: close, then closes", async () => {
    const drain = 1_500;
    const server = await startServer(
      { SHUTDOWN_GRACE_MS: "6000", SHUTDOWN_DRAIN_MS: String(drain), LOG_LEVEL: "info" },
      ready,
    );
    try {
      const stopping = server.stop("SIGTERM");
      await server.waitForLog(/shutdown started/);
      // New connections are still accepted during the drain, and told the process is going.
      const readiness = await fetch(`${server.url}/readyz`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toEqual({ status: "not_ready", reason: "draining" });
      expect(readiness.headers.get("connection")).toBe("close");
      const prediction = await fetch(`${server.url}${PREDICT}`, {
        method: "POST",
        headers: API_HEADERS,
        body,
      });
      expect(prediction.status).toBe(200);
      expect(prediction.headers.get("connection")).toBe("close");
      expect(server.proc.exitCode).toBeNull();

      const exit = await stopping;
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.ms).toBeGreaterThanOrEqual(drain); // it did wait
      expect(await probeConnect(server.port)).toBe("refused");
      expect(server.logs()).toMatch(/"drain_ms":1500/);
    } finally {
      await server.stop("SIGKILL");
    }
  });

  it("an idle server exits 0 on SIGINT without waiting for its keep-alive clients", async () => {
    // A grace period far longer than the stop() helper waits: only a server that closes the
    // idle socket itself exits 0 (one waiting for the client would be SIGKILLed, or exit 1).
    const server = await startServer({ LOG_LEVEL: "warn", SHUTDOWN_GRACE_MS: "600000" });
    const agent = new http.Agent({ keepAlive: true });
    const socketClosed = new Promise<void>((resolve) => {
      http.get(`${server.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.socket.once("close", () => resolve());
      });
    });
    await sleep(100); // the answer arrived; the socket now idles in the agent
    const exit = await server.stop("SIGINT", 15_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    await socketClosed; // closed by the server, not by this client
    agent.destroy();
  });
});

describe("invalid configuration", () => {
  it("exits 1 with ONE message listing every bad variable, without secrets", async () => {
    const server = await spawnServer({
      APP_ENV: "production",
      PORT: "eighty",
      LOG_LEVEL: "chatty",
      MODEL_URI: "s3://",
      API_KEYS: "tinykey1",
    });
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    const output = server.logs();
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    for (const name of ["PORT", "LOG_LEVEL", "MODEL_URI", "API_KEYS"]) {
      expect(output).toMatch(new RegExp(`^ {2}- ${name}:`, "m"));
    }
    expect(output).not.toContain("tinykey1");
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
