import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSoak } from "../../scripts/reliability/soak-run";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

// The short soak (the 60 s one is `npx tsx scripts/reliability/soak.ts`): ~80% of the
// measured maximum for 12 s after a 20 s warm-up → no failed request, RSS growth < 10%.
// The server runs with the old generation capped at 128 MB: uncapped, V8 keeps growing the
// heap for 60–90 s before RSS levels off (see the script), which a 20 s test cannot tell
// from a leak. With the cap, a leak still shows — as growth, failures or an OOM exit.

let server: TestServer;

beforeAll(async () => {
  server = await startServer(
    {
      MODEL_URI: MODEL_DIR,
      RATE_LIMIT_PER_MINUTE: "10000000",
      NODE_OPTIONS: "--max-old-space-size=128",
    },
    { waitPath: "/readyz" },
  );
});
afterAll(async () => {
  await server?.stop();
});

describe("soak (short)", () => {
  it("holds 80% of the maximum rate with 0 failures and < 10% RSS growth", async () => {
    const figures = await runSoak({
      url: server.url,
      pid: server.proc.pid!,
      apiKey: TEST_API_KEY,
      measureSeconds: 3,
      warmupSeconds: 20,
      seconds: 12,
    });
    console.log(JSON.stringify({ soak_short: figures }));
    expect(figures.max_req_per_s).toBeGreaterThan(0);
    expect(figures.run.requests).toBeGreaterThan(figures.target_req_per_s * 12 * 0.5);
    expect(figures.warmup.failures).toBe(0);
    expect(figures.run.failures).toBe(0);
    expect(figures.rss_mb.growth_pct).toBeLessThan(10);
    expect(server.proc.exitCode).toBeNull();
  }, 120_000);
});
