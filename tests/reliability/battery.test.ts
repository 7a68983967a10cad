import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveAgent, pool, send } from "../../scripts/reliability/http";
import { predictRequest } from "../../scripts/reliability/requests";
import { withoutPredictionIds } from "../http/helpers/api-fixtures";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { scrape, series } from "./metrics";
import { answerDefect, matrix, METHODS, PATHS, type Probe } from "./routes";

// The malformed battery across ALL routes (issue 17): 10,000 requests sampled from every
// route × method × content type × body × odd Host, chunked or not, with and without keys.
// No 5xx, no socket error, every error a problem+json with its request id (or a page's own
// HTML), no stack trace on stderr, no key in any log line; RSS and event-loop delay stay
// within generous bounds; afterwards a valid request gets the answer it got before.

const RUNS = 10_000;
const SEED = Number(process.env.BATTERY_SEED ?? 20_261_202);
const MiB = 1024 * 1024;

let server: TestServer;

beforeAll(async () => {
  server = await startServer(
    {
      MODEL_URI: MODEL_DIR,
      LOG_LEVEL: "info", // the access log runs: every line is searched for keys below
      RATE_LIMIT_PER_MINUTE: "0", // limits are tested on their own (dashboard-posts.test.ts)
      SCORING_WORKERS: "1",
    },
    { waitPath: "/readyz" },
  );
});
afterAll(async () => {
  await server?.stop();
});

describe(`a battery of ${RUNS.toLocaleString("en-US")} requests across every route`, () => {
  it("no 5xx, every error a problem (or a page), the server still right afterwards", async () => {
    const agent = keepAliveAgent(16);
    const before = await send(server.url, predictRequest(TEST_API_KEY), agent);
    expect(before.status, before.body).toBe(200);
    // Warm every route once, then take the baseline (and reset the loop-delay maximum).
    await pool(matrix(TEST_API_KEY, 300, SEED + 1), 8, (p) => send(server.url, p, agent));
    const baseline = await scrape(server);

    // Two halves: the first grows the heap to its working size, the second shows a leak.
    const probes: Probe[] = matrix(TEST_API_KEY, RUNS, SEED);
    const half = RUNS / 2;
    const started = Date.now();
    const run = (part: Probe[]) => pool(part, 16, (p) => send(server.url, p, agent));
    const answers = await run(probes.slice(0, half));
    const middle = await scrape(server);
    answers.push(...(await run(probes.slice(half))));
    const seconds = (Date.now() - started) / 1000;
    const after = await scrape(server);

    const byStatus = new Map<number, number>();
    const defects: string[] = [];
    answers.forEach((a, i) => {
      byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      const defect = answerDefect(probes[i], a);
      if (defect && defects.length < 10) {
        const p = probes[i];
        defects.push(`${p.method} ${p.path} host=${p.host} type=${p.contentType} → ${defect}`);
      }
    });
    const rss = (text: string) => series(text, "process_resident_memory_bytes");
    const rssGrowth = rss(after) - rss(baseline);
    const secondHalfGrowth = rss(after) - rss(middle);
    const maxLag = Math.max(
      series(middle, "nodejs_eventloop_lag_max_seconds"),
      series(after, "nodejs_eventloop_lag_max_seconds"),
    );
    console.log(
      JSON.stringify({
        battery: {
          seed: SEED,
          requests: RUNS,
          seconds,
          req_per_s: Math.round(RUNS / seconds),
          statuses: Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)),
          rss_growth_mib: Math.round((rssGrowth / MiB) * 10) / 10,
          rss_growth_second_half_mib: Math.round((secondHalfGrowth / MiB) * 10) / 10,
          max_event_loop_delay_ms: Math.round(maxLag * 1000),
          heap_used_mib: [baseline, middle, after].map((t) =>
            Math.round(series(t, "nodejs_heap_size_used_bytes") / MiB),
          ),
          external_mib: [baseline, middle, after].map((t) =>
            Math.round(series(t, "nodejs_external_memory_bytes") / MiB),
          ),
          rss_mib: [baseline, middle, after].map((t) => Math.round(rss(t) / MiB)),
        },
      }),
    );
    expect(defects, defects.join("\n")).toEqual([]);
    expect([...byStatus.keys()].every((s) => s >= 200 && s < 500)).toBe(true);
    // The matrix really covered the kinds of answer this is about.
    for (const status of [200, 204, 400, 401, 404, 405, 415, 422]) {
      expect(byStatus.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    }
    for (const path of PATHS)
      expect(
        probes.some((p) => p.path.startsWith(path)),
        path,
      ).toBe(true);
    for (const method of METHODS) expect(probes.some((p) => p.method === method)).toBe(true);
    // Generous bounds: a leak or a stall shows up as hundreds of MiB or seconds. Uncapped, V8
    // lets garbage pile up before it collects, so the second half's growth is bounded, not
    // zero (ADR 0034 has the measurements).
    expect(secondHalfGrowth).toBeLessThan(128 * MiB);
    expect(rssGrowth).toBeLessThan(320 * MiB);
    expect(maxLag).toBeLessThan(1);

    const ready = await send(server.url, { method: "GET", path: "/readyz", headers: {} }, agent);
    expect(ready.status).toBe(200);
    const again = await send(server.url, predictRequest(TEST_API_KEY), agent);
    expect(again.status).toBe(200);
    expect(withoutPredictionIds(JSON.parse(again.body).predictions)).toEqual(
      withoutPredictionIds(JSON.parse(before.body).predictions),
    );
    agent.destroy();
  }, 180_000);

  it("logged no error, no stack on stderr and never the key (sent in headers and URLs)", () => {
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(RUNS * 50); // the access log really ran
    expect(logs).not.toContain(TEST_API_KEY);
    expect(logs).not.toMatch(/"level":"error"|\berror\b.*unhandled|\[31merror/);
    expect(server.stderr()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(server.stderr()).toBe("");
  });
});
