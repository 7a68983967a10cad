// What a scoring thread loads: every module a thread imports is parsed and run in each thread
// at its start, once per thread (ADR 0055: the logger ~9 MiB per thread). The thread only
// records its counters (recordingMeter) and never logs, so the metrics client and the logger
// must stay out of its module graph (ADR 0060). The graph is esbuild's, as the build bundles
// server-build/score-worker.js (scripts/build-server.mjs).
import { describe, expect, it } from "vitest";
import { moduleGraph } from "../module-graph";

// Dynamic imports included: a thread runs whatever task comes, so all of it may load.
const workerInputs = () => moduleGraph("app/inference/score-worker.server.ts", { dynamic: true });

describe("the scoring thread's module graph", () => {
  it("holds the scoring code and neither the metrics client nor the logger", async () => {
    const inputs = await workerInputs();
    // Not vacuous: the handlers and their packages are there.
    expect(inputs).toEqual(
      expect.arrayContaining([
        "app/inference/predict.server.ts",
        "app/inference/meter.server.ts",
        "onnxruntime-node",
        "piscina",
      ]),
    );
    const unwanted = inputs.filter((i) =>
      /^(prom-client|winston|sonic-boom)(\/|$)|^app\/lib\/(logger|metrics)\.server\.ts$|process-meter/.test(
        i,
      ),
    );
    expect(unwanted).toEqual([]);
  });
});
