// The full soak: `npm run build && npx tsx scripts/reliability/soak.ts [--seconds 60]
// [--warmup 90] [--heap-mb 192]`. Starts the built server, measures its maximum single-row
// rate, holds 80% of it (warm-up, then the measured run), and writes the figures to
// docs/reliability.json. Exit 1 if the check fails.
// The default warm-up is long on purpose: without a heap cap V8 grows the old generation
// for ~60–90 s at ~1k req/s before RSS levels off (measured: 276 MB at 10 s, 479 MB at 60 s,
// 490 ± 10 MB from 90 s to 150 s). --heap-mb sets --max-old-space-size for the server.
import { parseArgs } from "node:util";
import { startServer, TEST_API_KEY } from "../../tests/http/helpers/server";
import { recordFigures } from "./figures";
import { runSoak } from "./soak-run";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "90" },
    "heap-mb": { type: "string" },
    measure: { type: "string", default: "5" },
    model: { type: "string", default: "models" },
  },
});

const heapMb = values["heap-mb"];
const server = await startServer(
  {
    MODEL_URI: values.model,
    RATE_LIMIT_PER_MINUTE: "10000000",
    NODE_OPTIONS: heapMb ? `--max-old-space-size=${heapMb}` : undefined,
  },
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
  await recordFigures(heapMb ? `soak_heap_${heapMb}mb` : "soak", {
    passed,
    warmup_s: Number(values.warmup),
    server_node_options: heapMb ? `--max-old-space-size=${heapMb}` : null,
    ...figures,
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  process.stderr.write(`soak ${passed ? "passed" : "FAILED"}\n`);
  process.exitCode = passed ? 0 : 1;
} finally {
  await server.stop();
}
