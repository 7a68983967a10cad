// CLI: `npm run train` (= `npx tsx training/train.ts`). Trains the model from data/ames.csv
// and writes models/<version>/{model.onnx,manifest.json} + models/LATEST.
//   --out DIR        bundle directory (default: models)
//   --rounds N       max boosting rounds (fast runs in tests)
//   --search         hyper-parameter search on the eval split first (default: recorded params)
//   --no-golden      skip the TreeSHAP golden file (tests/fixtures/xgb-contribs.json)
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { consoleReporter } from "./report";
import { trainModel } from "./pipeline";
import { searchParams } from "./tune";
import { writeGolden } from "./golden";
import { assertXgboost } from "./xgboost";
import { BEST_PARAMS } from "./params";

function table(metrics: Record<string, Record<string, number>>): string {
  const rows = [["split", "n", "RMSLE", "MAE (USD)", "MAPE %", "MedAPE %", "R²", "90% cover"]];
  for (const [split, m] of Object.entries(metrics)) {
    rows.push([
      split,
      String(m.n),
      m.rmsle.toFixed(4),
      Math.round(m.mae).toLocaleString("en-US"),
      m.mape.toFixed(2),
      m.medape.toFixed(2),
      m.r2.toFixed(4),
      `${(m.coverage * 100).toFixed(1)}%`,
    ]);
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  return [
    line(rows[0]),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1).map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "models" },
      rounds: { type: "string" },
      search: { type: "boolean", default: false },
      "no-search": { type: "boolean", default: false },
      golden: { type: "boolean", default: true },
      "no-golden": { type: "boolean", default: false },
      data: { type: "string", default: "data/ames.csv" },
    },
    strict: true,
  });
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
    throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  }
  assertXgboost();
  const reporter = consoleReporter();
  const t0 = performance.now();
  let params = BEST_PARAMS;
  if (values.search && !values["no-search"]) {
    params = await reporter.stage("Hyper-parameter search (scored on eval 2009)", () =>
      searchParams({ dataFile: values.data, rounds, reporter }),
    );
    reporter.info(`best: ${JSON.stringify(params)} (record it in training/params.ts)`);
  }
  const out = await trainModel({
    dataFile: values.data,
    outDir: values.out,
    rounds,
    params,
    reporter,
    keepWorkDir: true,
  });
  try {
    if (values.golden && !values["no-golden"]) {
      await reporter.stage("TreeSHAP golden file (python3-xgboost pred_contribs)", () =>
        writeGolden(out, "tests/fixtures/xgb-contribs.json", reporter),
      );
    }
  } finally {
    rmSync(out.workDir, { recursive: true, force: true });
  }
  const total = (performance.now() - t0) / 1000;
  const m = out.manifest.metrics;
  const cost = out.manifest.inference;
  process.stdout.write(`\n${table(m)}\n\n`);
  if (out.parity) {
    process.stdout.write(
      `Parity ONNX vs XGBoost: ${out.parity.exact}/${out.parity.rows} bit-identical (max |Δ| ${out.parity.maxAbsDiff})\n`,
    );
  }
  process.stdout.write(
    `Interval: 90% split-conformal, q = ${out.evaluation.q.toFixed(4)} (log space); holdout coverage ${(m.holdout.coverage * 100).toFixed(1)}%\n` +
      `Model: ${out.manifest.xgboost.n_trees} trees × depth ≤ ${cost?.max_depth} = ` +
      `${cost?.node_visits_per_row} node visits/row (inference budget ${cost?.budget_node_visits})\n` +
      `Bundle: ${out.bundle?.dir} (${((out.bundle?.bytes ?? 0) / 1024).toFixed(0)} KiB)\n` +
      `Total ${total.toFixed(1)} s\n`,
  );
  if (out.parity && out.parity.exact !== out.parity.rows) {
    throw new Error("ONNX predictions differ from XGBoost's: the bundle must not be used");
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`\ntrain: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
