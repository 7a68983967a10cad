// Measures how much each input field is worth to the model: the eval-split (2009) RMSLE when
// that one field is missing and imputed, minus the RMSLE with every field given. This is the
// measurement behind the required-field choice (docs/training.md). Also reports the accuracy
// when only the required fields are given.
//   npx tsx training/field-importance.ts [models/<version>]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "~/ml/bundle";
import { featurize, type FeatureState } from "~/ml/features";
import { FIELDS, REQUIRED_FIELDS } from "~/ml/fields";
import { regressionMetrics } from "~/ml/metrics";
import { createOrtSession, runOrt, type InferenceSession } from "~/inference/onnx.server";
import type { PropertyRecord } from "~/ml/schema";
import { loadDataset, splitByYear } from "./data";

async function rmsle(
  session: InferenceSession,
  state: FeatureState,
  records: PropertyRecord[],
  prices: number[],
  q: number,
) {
  const fm = featurize(records, state);
  return regressionMetrics(prices, await runOrt(session, fm.matrix, fm.nRows, fm.nFeatures), q);
}

const without = (records: PropertyRecord[], fields: string[]) =>
  records.map((r) => {
    const c = { ...r };
    for (const f of fields) delete c[f];
    return c;
  });

async function main() {
  const dir = process.argv[2] ?? join("models", readFileSync("models/LATEST", "utf8").trim());
  const m = parseManifest(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  const session = await createOrtSession(join(dir, "model.onnx"));
  const split = splitByYear(loadDataset(m.data.file));
  const st = m.feature_state;
  const q = m.interval.q;
  const ev = split.eval;
  const base = (await rmsle(session, st, ev.records, ev.prices, q)).rmsle;
  const rows: { field: string; delta: number; required: boolean }[] = [];
  for (const f of FIELDS) {
    const r = (await rmsle(session, st, without(ev.records, [f.name]), ev.prices, q)).rmsle;
    rows.push({ field: f.name, delta: r - base, required: f.required });
  }
  rows.sort((a, b) => b.delta - a.delta);
  console.log(`eval RMSLE with all fields: ${base.toFixed(5)}\n`);
  console.log("field                   Δ eval RMSLE when missing   required");
  for (const r of rows.slice(0, 25)) {
    console.log(
      `${r.field.padEnd(24)}${r.delta.toFixed(5).padStart(10)}                 ${r.required ? "yes" : ""}`,
    );
  }
  const optional = FIELDS.filter((f) => !f.required).map((f) => f.name);
  for (const s of ["eval", "holdout"] as const) {
    const d = split[s];
    const all = await rmsle(session, st, d.records, d.prices, q);
    const req = await rmsle(session, st, without(d.records, optional), d.prices, q);
    console.log(
      `\n${s}: all fields RMSLE ${all.rmsle.toFixed(4)} MAPE ${all.mape.toFixed(2)}% | ` +
        `only the ${REQUIRED_FIELDS.length} required RMSLE ${req.rmsle.toFixed(4)} MAPE ${req.mape.toFixed(2)}% ` +
        `coverage ${(req.coverage * 100).toFixed(1)}%`,
    );
  }
  await session.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
