// The full soak: `npm run build && npx tsx scripts/reliability/soak.ts [--seconds 60]`.
// Starts the built server, measures its maximum single-row rate, holds 80% of it for the
// given time, and writes the figures to docs/reliability.json. Exit 1 if the check fails.
import { parseArgs } from "node:util";
import { startServer, TEST_API_KEY } from "../../tests/http/helpers/server";
import { recordFigures } from "./figures";
import { runSoak } from "./soak-run";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "20" },
    measure: { type: "string", default: "5" },
    model: { type: "string", default: "models" },
  },
});

const server = await startServer(
  { MODEL_URI: values.model, RATE_LIMIT_PER_MINUTE: "10000000" },
  { waitPath: "/readyz" },
);
try {
  process.stderr.write(`soak: measuring the maximum, then ${values.seconds} s at 80% …\n`);
  const figures = await runSoak({
    url: server.url,
    pid: server.proc.pid!,
    apiKey: TEST_API_KEY,
    measureSeconds: Number(values.measure),
    warmupSeconds: Number(values.warmup),
    seconds: Number(values.seconds),
  });
  const passed = figures.run.failures === 0 && figures.rss_mb.growth_pct < 10;
  await recordFigures("soak", { passed, ...figures });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  process.stderr.write(`soak ${passed ? "passed" : "FAILED"}\n`);
  process.exitCode = passed ? 0 : 1;
} finally {
  await server.stop();
}
