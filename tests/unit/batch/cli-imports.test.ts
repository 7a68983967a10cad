// What the batch CLI's process loads: it reads and writes CSV and hands chunks to the scoring
// threads, so it must not load the server's logger (winston), metrics client (prom-client) or
// monitor, which only the server's pool host needs, nor parse the bundle's manifest, which
// only the threads use (ADR 0064). The graph is the static one from the CLI's
// entry, transitive, as scripts/build-server.mjs bundles server-build/predict-batch.js: the
// server's inference module, imported only to score without threads (SCORING_WORKERS=0),
// loads them then, and only then.
import { describe, expect, it } from "vitest";
import { moduleGraph } from "../module-graph";

const SERVER_ONLY =
  /^(prom-client|winston|sonic-boom)(\/|$)|^app\/lib\/(logger|metrics)\.server\.ts$|^app\/inference\/(monitor\/|process-meter|pool-host)/;

describe("the batch CLI's module graph", () => {
  it("holds the pool and the CSV code, and neither the logger, the metrics client nor the monitor", async () => {
    const modules = await moduleGraph("scripts/predict-batch.ts");
    // Not vacuous: the pool, the CSV writer and their packages are there.
    expect(modules).toEqual(
      expect.arrayContaining([
        "app/inference/threads.server.ts",
        "app/inference/csv.server.ts",
        "scripts/batch/predict-csv.ts",
        "piscina",
        "csv-parse",
      ]),
    );
    expect(modules.filter((m) => SERVER_ONLY.test(m))).toEqual([]);
  });

  it("leaves reading and checking the bundle to the threads", async () => {
    const modules = await moduleGraph("scripts/predict-batch.ts");
    expect(modules).toContain("app/inference/store.server.ts"); // it finds the bundle's folder
    expect(modules).not.toContain("app/inference/bundle.server.ts");
    expect(modules).not.toContain("app/ml/bundle.ts");
  });

  it("scoring without threads loads the server's inference module, and its logger, only then", async () => {
    const all = await moduleGraph("scripts/predict-batch.ts", { dynamic: true });
    expect(all).toEqual(
      expect.arrayContaining(["app/inference/inference.server.ts", "app/lib/logger.server.ts"]),
    );
  });
});
