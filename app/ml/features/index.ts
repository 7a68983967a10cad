// THE feature module: raw property records → float32 feature matrix. Imported by training and
// by serving; nothing else computes features. Browser-safe (no node imports).
//   state.ts        the fitted state (bundle JSON)
//   definitions.ts  the features: name, factor, source fields, computation
//   imputation.ts   filling missing optional fields
//   row-function.ts the generated per-row code (print it with `rowSource(state)`)
import type { PropertyRecord } from "../schema";
import {
  frequencyLookup,
  targetLookup,
  type FrequencyEncoder,
  type TargetEncoder,
} from "../encoders";
import { nearbyLookup } from "../nearby";
import { DEF_BY_NAME, FREQUENCY_ENCODED, TARGET_ENCODED, type FeatureDef } from "./definitions";
import { fillPlan } from "./imputation";
import { compileRow, rowFunctionSource, type Row, type RowFn } from "./row-function";
import type { FeatureState } from "./state";

export { FeatureStateSchema, type FeatureState } from "./state";
export {
  FEATURE_NAMES,
  FREQUENCY_ENCODED,
  INCREASING,
  ORDINALS,
  TARGET_ENCODED,
  TOTAL_SF,
  featureFactor,
  featureSources,
  type EncoderTarget,
} from "./definitions";

type Compiled = {
  defs: FeatureDef[];
  fillRow: RowFn;
  /**
   * Scratch row reused by every featurize call (it is synchronous, so calls never overlap):
   * a fresh object per call re-grows its ~80 properties one hidden-class transition at a
   * time, which made one-row calls ~40% slower.
   */
  row: Row;
};

const compiled = new WeakMap<FeatureState, Compiled>();

function modelDefs(state: FeatureState): FeatureDef[] {
  return state.features.map((name) => {
    const d = DEF_BY_NAME.get(name);
    if (!d) throw new Error(`Feature "${name}" in the bundle is unknown to this code version`);
    return d;
  });
}

function compile(state: FeatureState): Compiled {
  const hit = compiled.get(state);
  if (hit) return hit;
  const defs = modelDefs(state);
  const target = new Map<string, (l: string) => number>();
  for (const { feature } of TARGET_ENCODED) {
    const enc = state.target[feature];
    if (enc) target.set(feature, targetLookup(enc as TargetEncoder));
  }
  const freq = new Map<string, (l: string) => number>();
  for (const { feature } of FREQUENCY_ENCODED) {
    const enc = state.frequency[feature];
    if (enc) freq.set(feature, frequencyLookup(enc as FrequencyEncoder));
  }
  for (const d of defs) {
    if (d.name.endsWith("_TE") && !target.has(d.name)) throw new Error(`No encoder for ${d.name}`);
    if (d.name.endsWith("_Freq") && !freq.has(d.name)) throw new Error(`No encoder for ${d.name}`);
  }
  const nearby = nearbyLookup(state.nearby);
  const fillRow = compileRow(fillPlan(state), defs, { target, freq, nearby });
  const c: Compiled = { defs, fillRow, row: {} };
  compiled.set(state, c);
  return c;
}

/** The source of the row function `featurize` runs for this state (for reading/debugging). */
export function rowSource(state: FeatureState): string {
  return rowFunctionSource(
    fillPlan(state).map((o) => o.name),
    modelDefs(state),
  );
}

export type FeatureMatrix = {
  matrix: Float32Array;
  nRows: number;
  nFeatures: number;
  /** Per row: the fields that were missing and filled from training statistics. */
  imputed: string[][];
};

export function featurize(records: readonly PropertyRecord[], state: FeatureState): FeatureMatrix {
  const c = compile(state);
  const nRows = records.length;
  const nFeatures = c.defs.length;
  const matrix = new Float32Array(nRows * nFeatures);
  const imputed: string[][] = new Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const filled: string[] = [];
    const base = i * nFeatures;
    c.fillRow(records[i], c.row, matrix, base, filled);
    imputed[i] = filled;
    for (let j = 0; j < nFeatures; j++) {
      // Checked as stored: a value too large for float32 is as unusable as NaN.
      if (!Number.isFinite(matrix[base + j])) {
        throw new Error(`Feature ${c.defs[j].name} is not finite for row ${i}`);
      }
    }
  }
  return { matrix, nRows, nFeatures, imputed };
}
