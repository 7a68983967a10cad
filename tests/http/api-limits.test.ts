// The API's limits and unavailability over real HTTP: body and row limits (413), the per-key
// rate limit (429 + Retry-After) and a server without a model (503 + Retry-After). Each
// group starts its own server with the setting under test made small.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContract, type Contract } from "./helpers/api-contract";
import {
  call,
  MINIMAL_RECORD,
  postCsv,
  postJson,
  toCsv,
  type ApiResponse,
  type Problem,
} from "./helpers/api-fixtures";
import { startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

const MODEL_URI = process.env.MODEL_URI ?? "models";

function expectProblem(res: ApiResponse, status: number, type: string): Problem {
  expect(res.status).toBe(status);
  expect(res.contentType).toBe("application/problem+json");
  const problem = res.body as Problem;
  expect(problem).toMatchObject({ status, type: `https://housing.example/problems/${type}` });
  expect(problem.request_id).toBe(res.headers.get("x-request-id"));
  return problem;
}

describe("size limits (MAX_BODY_BYTES=4096, MAX_BATCH_ROWS=3)", () => {
  let server: TestServer;
  let contract: Contract;
  beforeAll(async () => {
    server = await startServer(
      { MODEL_URI, MAX_BODY_BYTES: "4096", MAX_BATCH_ROWS: "3" },
      { waitPath: "/readyz" },
    );
    contract = await loadContract(server.url);
  });
  afterAll(() => server?.stop());

  it("accepts a request at the row limit", async () => {
    const res = await postJson(server.url, {
      records: [MINIMAL_RECORD, MINIMAL_RECORD, MINIMAL_RECORD],
    });
    expect(res.status).toBe(200);
  });

  it("413 for a body over MAX_BODY_BYTES (declared Content-Length)", async () => {
    const records = Array.from({ length: 3 }, () => ({
      ...MINIMAL_RECORD,
      Neighborhood: "x".repeat(2000),
    }));
    const res = await postJson(server.url, { records });
    expect(expectProblem(res, 413, "payload_too_large").detail).toMatch(
      /exceeds the limit of 4096 bytes/,
    );
    contract.check("/api/v1/predict", "post", res.status, res.contentType, res.body);
  });

  it("413 for a chunked body (no Content-Length) that grows over the limit", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call(`${server.url}/api/v1/predict`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
      body,
      duplex: "half",
    } as RequestInit);
    expectProblem(res, 413, "payload_too_large");
  });

  it("413 for more records than MAX_BATCH_ROWS, as JSON and as CSV", async () => {
    const json = await postJson(server.url, { records: Array(4).fill(MINIMAL_RECORD) });
    expect(expectProblem(json, 413, "payload_too_large").detail).toMatch(
      /4 records exceed the limit of 3/,
    );
    const row = Object.fromEntries(Object.entries(MINIMAL_RECORD).map(([k, v]) => [k, String(v)]));
    const csv = await postCsv(server.url, toCsv(Array(4).fill(row)));
    expect(expectProblem(csv, 413, "payload_too_large").detail).toMatch(/more than 3 data rows/);
    contract.check("/api/v1/predict", "post", csv.status, csv.contentType, csv.body);
  });
});

describe("rate limit (RATE_LIMIT_PER_MINUTE=3)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MODEL_URI, RATE_LIMIT_PER_MINUTE: "3" }, { waitPath: "/readyz" });
  });
  afterAll(() => server?.stop());

  it("answers 429 with Retry-After once the key's budget is spent; bad keys do not spend it", async () => {
    const unauthorized = await postJson(
      server.url,
      { records: [MINIMAL_RECORD] },
      { "X-API-Key": "nope-nope-nope" },
    );
    expect(unauthorized.status).toBe(401);
    for (let i = 0; i < 3; i++) {
      expect((await postJson(server.url, { records: [MINIMAL_RECORD] })).status).toBe(200);
    }
    const limited = await postJson(server.url, { records: [MINIMAL_RECORD] });
    expectProblem(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const contract = await loadContract(server.url); // public: not rate limited
    contract.check("/api/v1/predict", "post", limited.status, limited.contentType, limited.body);
    // Probes are not behind the limiter.
    expect((await call(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe("no model (MODEL_URI is an empty folder)", () => {
  let server: TestServer;
  let emptyDir: string;
  let contract: Contract;
  beforeAll(async () => {
    emptyDir = await mkdtemp(path.join(tmpdir(), "no-model-"));
    server = await startServer({ MODEL_URI: emptyDir });
    contract = await loadContract(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await rm(emptyDir, { recursive: true, force: true });
  });

  it("predict and model answer 503 + Retry-After as problem+json", async () => {
    const res = await postJson(server.url, { records: [MINIMAL_RECORD] });
    expectProblem(res, 503, "model_unavailable");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    contract.check("/api/v1/predict", "post", res.status, res.contentType, res.body);
    // The internal reason (a server path) stays in the logs, not in the answer.
    expect((res.body as Problem).detail).not.toContain(emptyDir);

    const model = await call(`${server.url}/api/v1/model`, {
      headers: { "X-API-Key": TEST_API_KEY },
    });
    expectProblem(model, 503, "model_unavailable");
    contract.check("/api/v1/model", "get", model.status, model.contentType, model.body);
  });

  it("still checks the key first (401, not 503)", async () => {
    const res = await postJson(server.url, { records: [MINIMAL_RECORD] }, { "X-API-Key": "" });
    expectProblem(res, 401, "unauthorized");
  });

  it("/readyz is 503 with Retry-After, /healthz 200, /health unhealthy without a model", async () => {
    const ready = await call(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBeTruthy();
    contract.check("/readyz", "get", ready.status, ready.contentType, ready.body);
    expect((await call(`${server.url}/healthz`)).status).toBe(200);
    const health = await call(`${server.url}/health`);
    expect(health.status).toBe(503);
    contract.check("/health", "get", health.status, health.contentType, health.body);
    expect(health.body).toEqual({ status: "unhealthy" }); // details need the admin key
  });
});
