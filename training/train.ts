// CLI: `npm run train` (= `npx tsx training/train.ts`). Trains the model from data/ames.csv
// and writes models/<version>/{model.onnx,manifest.json} + models/LATEST.
//   --out DIR        bundle directory (default: models)
//   --rounds N       max boosting rounds (fast runs in tests)
//   --select         backtest every candidate model (3 seeds) and record the best in
//                    training/selection.json before training (default: the recorded choice)
//   --search         hyper-parameter search by the backtest first (default: recorded params)
//   --no-golden      skip the TreeSHAP golden file (tests/fixtures/xgb-contribs.json)
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { consoleReporter } from "./report";
import { trainModel } from "./pipeline";
import { searchParams } from "./tune";
import { writeGolden } from "./golden";
import { assertXgboost } from "./xgboost";
import { BEST_PARAMS } from "./params";
import { selectCandidate } from "./select";
import { summary } from "./summary";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "models" },
      rounds: { type: "string" },
      search: { type: "boolean", default: false },
      select: { type: "boolean", default: false },
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
    params = await reporter.stage("Hyper-parameter search (scored by the backtest)", () =>
      searchParams({ dataFile: values.data, rounds, reporter }),
    );
    reporter.info(`best: ${JSON.stringify(params)} (record it in training/params.ts)`);
  }
  if (values.select) {
    const sel = await reporter.stage("Model selection (backtest, 3 seeds per candidate)", () =>
      selectCandidate({ dataFile: values.data, params, reporter }),
    );
    reporter.info(`chosen: ${sel.chosen} (recorded in training/selection.json)`);
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
  process.stdout.write(`\n${summary(out)}\nTotal ${total.toFixed(1)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`\ntrain: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
