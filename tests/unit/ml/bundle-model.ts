// The committed bundle (models/LATEST) and the holdout split, for tests of the shipped model.
import { readFileSync } from "node:fs";
import { parseManifest } from "~/ml/bundle";
import { predictRow, prepareExplainer } from "~/ml/explain";
import { featurize } from "~/ml/features";
import { linearPredict } from "~/ml/linear";
import type { PropertyRecord } from "~/ml/schema";
import { HOLDOUT_YEARS, loadDataset, selectYears } from "../../../training/data";

export const VERSION = readFileSync("models/LATEST", "utf8").trim();
export const BUNDLE_DIR = `models/${VERSION}`;
export const MANIFEST = parseManifest(
  JSON.parse(readFileSync(`${BUNDLE_DIR}/manifest.json`, "utf8")),
);
export const HOLDOUT = selectYears(loadDataset(MANIFEST.data.file), HOLDOUT_YEARS);

const explainer = prepareExplainer(MANIFEST.explain);

/** The bundle's log-price predictions by the TypeScript reference (trees + linear part). */
export function referencePredict(records: readonly PropertyRecord[]): Float64Array {
  const fm = featurize(records, MANIFEST.feature_state);
  return Float64Array.from({ length: fm.nRows }, (_, i) => {
    const x = fm.matrix.subarray(i * fm.nFeatures, (i + 1) * fm.nFeatures);
    const trees = predictRow(explainer, MANIFEST.explain.base_score, x);
    return trees + (MANIFEST.explain.linear ? linearPredict(MANIFEST.explain.linear, x) : 0);
  });
}

const REFERENCE = MANIFEST.reference!;

/** The given fields of `r` outside the training data (the sale date is not range-checked). */
export function outsideTraining(r: PropertyRecord): string[] {
  return Object.entries(r).flatMap(([f, v]) => {
    const fr = REFERENCE.fields[f];
    if (!fr || v === undefined || f === "Year_Sold" || f === "Mo_Sold") return [];
    if (fr.kind === "category") return fr.shares[v as string] > 0 ? [] : [f];
    const q = fr.quantiles;
    return (v as number) < q[0] || (v as number) > q[q.length - 1] ? [f] : [];
  });
}

/** Every given value within the training 1st–99th percentiles, every level ≥ 1% of sales. */
export function typicalHome(r: PropertyRecord): boolean {
  return Object.entries(r).every(([f, v]) => {
    const fr = REFERENCE.fields[f];
    if (!fr || f === "Year_Sold" || f === "Mo_Sold") return true;
    if (fr.kind === "category") return fr.shares[v as string] >= 0.01;
    const q = fr.quantiles;
    return (v as number) >= q[1] && (v as number) <= q[q.length - 2];
  });
}
