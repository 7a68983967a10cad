// Batch scoring benchmark (not a test): `npx tsx scripts/batch/bench.ts [--rows 100000,1000000]`.
// Generates inputs resampled from data/ames.csv (0.1% broken rows), runs the CLI as a separate
// process like a job would, and prints rows/s and peak RSS per size as JSON and a table row
// for docs/batch-scoring.md.
import { existsSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { MODEL_DIR, runCli, summaryOf } from "../../tests/unit/batch/run-cli";
import { generateCsv } from "./generate";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000,1000000" },
    chunk: { type: "string", default: "250" },
    dir: { type: "string", default: path.join(os.tmpdir(), "batch-bench") },
  },
});

await mkdir(values.dir, { recursive: true });
for (const rows of values.rows.split(",").map(Number)) {
  const input = path.join(values.dir, `in-${rows}.csv`);
  if (!existsSync(input)) await generateCsv(input, { rows, badEvery: 1000, seed: 1 });
  const mb = Math.round((await stat(input)).size / 1e6);
  const started = Date.now();
  const result = await runCli([
    "--input",
    input,
    "--output",
    path.join(values.dir, `out-${rows}.csv`),
    "--chunk",
    values.chunk,
    "--model",
    MODEL_DIR,
    "--progress",
    "never",
  ]);
  if (result.code !== 0) throw new Error(`run failed (${result.code}):\n${result.stderr}`);
  const s = summaryOf(result);
  const figures = {
    rows,
    input_mb: mb,
    chunk: Number(values.chunk),
    wall_s: (Date.now() - started) / 1000,
    scoring_s: Number(s.scoring_seconds),
    rows_per_s: Number(s.rows_per_second),
    max_rss_mb: Number(s.max_rss_mb),
    predicted: s.predicted,
    failed: s.failedRows,
    load_avg_1m: Math.round(os.loadavg()[0] * 10) / 10,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.stdout.write(
    `| ${rows.toLocaleString("en-US")} | ${mb} MB | ${figures.rows_per_s.toLocaleString("en-US")} | ${figures.max_rss_mb} MB | ${figures.wall_s.toFixed(0)} s | ${figures.load_avg_1m} |\n`,
  );
}
