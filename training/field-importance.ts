// Measures how much each input field is worth to the model out of sample: fits the backtest's
// most recent fold (2006–2008) with the recorded candidate, then reports the increase in 2009
// RMSLE when that one field is missing and imputed, and the accuracy with the required fields
// only. The measurement behind the required-field choice (docs/training.md).
//   npx tsx training/field-importance.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEATURE_NAMES } from "~/ml/features";
import { FIELDS, REQUIRED_FIELDS } from "~/ml/fields";
import { regressionMetrics } from "~/ml/metrics";
import type { PropertyRecord } from "~/ml/schema";
import { requiredOnly } from "./backtest";
import { chosenCandidate, readSelection } from "./candidates";
import { BACKTEST_FOLDS, loadDataset, selectYears, withoutOutliers } from "./data";
import { fitModel, scoreRecords } from "./fit-model";
import { BEST_PARAMS, roundCap } from "./params";

const without = (records: PropertyRecord[], field: string) =>
  records.map((r) => {
    const c = { ...r };
    delete c[field];
    return c;
  });

async function main() {
  const ds = loadDataset("data/ames.csv");
  const fold = BACKTEST_FOLDS[BACKTEST_FOLDS.length - 1];
  const fit = withoutOutliers(selectYears(ds, fold.fit));
  const test = selectYears(ds, fold.test);
  const work = mkdtempSync(join(tmpdir(), "field-importance-"));
  try {
    const spec = {
      params: BEST_PARAMS,
      rounds: roundCap(BEST_PARAMS.max_depth),
      monotone: true,
      features: FEATURE_NAMES,
      ...chosenCandidate(readSelection()),
    };
    const model = await fitModel(fit, spec, { workDir: work });
    const nTrees = model.trees.trees.length;
    const rmsle = (records: PropertyRecord[]) =>
      regressionMetrics(test.prices, scoreRecords(model, records, nTrees).logPred, 0);
    const base = rmsle(test.records).rmsle;
    const rows = FIELDS.map((f) => ({
      field: f.name,
      delta: rmsle(without(test.records, f.name)).rmsle - base,
      required: f.required,
    })).sort((a, b) => b.delta - a.delta);
    console.log(`${fold.test.join()} RMSLE with all fields: ${base.toFixed(5)}\n`);
    console.log("field                   Δ RMSLE when missing   required");
    for (const r of rows.slice(0, 25)) {
      console.log(
        `${r.field.padEnd(24)}${r.delta.toFixed(5).padStart(10)}            ${r.required ? "yes" : ""}`,
      );
    }
    const req = rmsle(test.records.map(requiredOnly));
    console.log(
      `\nonly the ${REQUIRED_FIELDS.length} required fields: RMSLE ${req.rmsle.toFixed(4)}, ` +
        `MAPE ${req.mape.toFixed(2)}%`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
