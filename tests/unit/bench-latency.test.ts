// The bench's latency percentiles (scripts/bench/load.ts): taken from autocannon's per-answer
// latencies, which have sub-millisecond resolution, instead of its histogram, which stores
// whole milliseconds.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latencyPercentiles, runLoad } from "../../scripts/bench/load";

describe("latencyPercentiles", () => {
  it("takes the nearest rank, keeping fractions of a millisecond", () => {
    const ms = Array.from({ length: 200 }, (_, i) => (200 - i) * 0.1); // 20.0, 19.9, … 0.1
    expect(latencyPercentiles(ms)).toEqual({ p50: 10, p99: 19.8, mean: 10.05, max: 20 });
  });

  it("rounds to the microsecond and answers zeros for no samples", () => {
    expect(latencyPercentiles([1.23456])).toEqual({
      p50: 1.235,
      p99: 1.235,
      mean: 1.235,
      max: 1.235,
    });
    expect(latencyPercentiles([])).toEqual({ p50: NaN, p99: NaN, mean: NaN, max: NaN });
  });
});

describe("runLoad", () => {
  let server: Server;
  let url: string;
  let answered = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      answered++;
      // Every third request fails; under /fail every one does: no latency of theirs counts.
      res.writeHead(req.url === "/fail" || answered % 3 === 0 ? 500 : 200).end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reports fractional percentiles of the 2xx answers", async () => {
    const r = await runLoad({ url, connections: 2, seconds: 1, warmupSeconds: 0 });
    expect(r.non_2xx).toBeGreaterThan(0);
    expect(r.statuses["200"]).toBeGreaterThan(r.non_2xx);
    const { p50, p99, max } = r.latency_ms;
    expect(0 < p50 && p50 <= p99 && p99 <= max).toBe(true);
    // A local answer takes well under a millisecond: autocannon's histogram said 0 or 1.
    expect([p50, p99].some((x) => !Number.isInteger(x))).toBe(true);
  });

  it("counts only 2xx answers: a run of 500s has no percentiles, so no goal reads as met", async () => {
    const r = await runLoad({ url: `${url}fail`, connections: 1, seconds: 1, warmupSeconds: 0 });
    expect(r.non_2xx).toBeGreaterThan(0);
    expect(r.latency_ms.p50).toBeNaN();
    expect(r.latency_ms.p99 <= 25).toBe(false);
  });
});
