import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveAgent, pool, send, type Answer } from "../../scripts/reliability/http";
import { predictRequest } from "../../scripts/reliability/requests";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { badRequests, WRONG_KEY_MARK, type BadRequest } from "../reliability/bad-requests";
import { missingSecurityHeaders, problemDefect } from "../reliability/problem";
import { startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

// ≥ 10,000 generated bad requests against the running server (keep-alive, 16 in flight):
// every answer a correct 4xx problem+json with the security headers, no 5xx, no socket
// errors, no error-level log line, no key in the logs; afterwards the server is up and a
// valid request gets exactly the answer it got before.

const RUNS = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const LIMITS = { maxBodyBytes: 256 * 1024, maxBatchRows: 50 };

let server: TestServer;

beforeAll(async () => {
  server = await startServer(
    {
      MODEL_URI: MODEL_DIR,
      LOG_LEVEL: "info", // access log on: every request is logged and grepped below
      MAX_BODY_BYTES: String(LIMITS.maxBodyBytes),
      MAX_BATCH_ROWS: String(LIMITS.maxBatchRows),
      RATE_LIMIT_PER_MINUTE: "10000000", // the limiter is not under test here
    },
    { waitPath: "/readyz" },
  );
});
afterAll(async () => {
  await server?.stop();
});

describe("fuzzing the prediction API", () => {
  it(`answers ${RUNS.toLocaleString("en-US")} generated bad requests with correct 4xx problems`, async () => {
    const agent = keepAliveAgent(16);
    const before = await send(server.url, predictRequest(TEST_API_KEY), agent);
    expect(before.status, before.body).toBe(200);

    const requests: BadRequest[] = fc.sample(badRequests(TEST_API_KEY, LIMITS), {
      numRuns: RUNS,
      seed: SEED,
    });
    const started = Date.now();
    const answers = await pool(requests, 16, (r) => send(server.url, r, agent));
    const seconds = (Date.now() - started) / 1000;

    const byKind = new Map<string, number>();
    const byStatus = new Map<number, number>();
    const defects: string[] = [];
    answers.forEach((a: Answer, i) => {
      const kind = requests[i].kind.split(":")[0];
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      const defect =
        problemDefect(a) ??
        (missingSecurityHeaders(a).length
          ? `missing ${missingSecurityHeaders(a).join(", ")}`
          : null);
      if (defect && defects.length < 10) {
        defects.push(
          `${requests[i].kind} ${requests[i].method} ${requests[i].body?.subarray(0, 120).toString("utf8")} → ${defect}`,
        );
      }
    });
    console.log(
      JSON.stringify({
        fuzz: {
          seed: SEED,
          requests: RUNS,
          seconds,
          req_per_s: Math.round(RUNS / seconds),
          statuses: Object.fromEntries(byStatus),
          kinds: Object.fromEntries(byKind),
        },
      }),
    );
    expect(defects, defects.join("\n")).toEqual([]);
    expect([...byStatus.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    // Each family of bad input was actually sent.
    for (const kind of [
      "records",
      "truncated-json",
      "malformed-json",
      "wrong-shape",
      "deep-nesting",
      "too-large",
      "bad-utf8",
      "empty-body",
      "content-type",
      "csv",
      "auth",
      "method",
    ]) {
      expect(byKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }

    // Still up, still right.
    const health = await send(server.url, { method: "GET", path: "/readyz", headers: {} }, agent);
    expect(health.status).toBe(200);
    const after = await send(server.url, predictRequest(TEST_API_KEY), agent);
    expect(after.status).toBe(200);
    // The same answer but for the prediction ids, which are new for every prediction.
    const withoutIds = (body: string) =>
      (JSON.parse(body).predictions as Record<string, unknown>[]).map(
        ({ prediction_id: _id, ...rest }) => rest,
      );
    expect(withoutIds(after.body)).toEqual(withoutIds(before.body));
    agent.destroy();
  }, 300_000);

  it("logged no error-level line, no key and no wrong key", () => {
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(RUNS * 50); // the access log really ran
    expect(logs).not.toContain(TEST_API_KEY);
    expect(logs).not.toContain(WRONG_KEY_MARK);
    expect(logs).not.toMatch(/\berror\b.*(Internal|unhandled|uncaught)/i);
    expect(logs).not.toMatch(/"level":"error"|\[31merror|\berror\b\s/);
  });
});
