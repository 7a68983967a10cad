// The model bundle manifest: types, zod schema and the format check. Pure (no node imports).
import { z } from "zod";
import { FeatureStateSchema } from "./features/state";
import { integerArray, numberArray } from "./number-arrays";
import {
  BacktestSchema,
  CalibrationSchema,
  CardExtrasSchema,
  ComparablesIndexSchema,
  LinearPartSchema,
  ReferenceSchema,
} from "./bundle-blocks";

/**
 * 2: ordinal ranks come from the level order in fields.ts (some moved by one), and the blocks of
 * ADR 0025–0028 may be present. A format-1 bundle would be featurized differently, so it is
 * refused rather than silently mispriced.
 */
export const BUNDLE_FORMAT = 2;

/**
 * One XGBoost tree for TreeSHAP. Node ids are array indices, node 0 is the root; a leaf has
 * left[i] === -1. Internal nodes: go left iff x < threshold[i] (threshold is the float32 split
 * value), missing → default_left[i] (0|1). value[i] is the leaf value (0 for internal nodes);
 * cover[i] is XGBoost's sum_hessian.
 */
export const ExplainTreeSchema = z.object({
  left: integerArray(),
  right: integerArray(),
  feature: integerArray(),
  threshold: numberArray(),
  default_left: integerArray(),
  value: numberArray(),
  cover: numberArray(),
});
export type ExplainTree = z.infer<typeof ExplainTreeSchema>;

export const MetricsSchema = z.object({
  rmsle: z.number(),
  mae: z.number(),
  mape: z.number(),
  medape: z.number(),
  r2: z.number(),
  coverage: z.number(),
  n: z.number().int(),
});

const FieldInfoSchema = z.object({
  kind: z.enum(["number", "integer", "category"]),
  min: z.number().optional(),
  max: z.number().optional(),
  levels: z.array(z.string()).optional(),
});

export const BundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  /** Content hash of model.onnx + the manifest content (excluding version and created_at). */
  version: z.string().min(1),
  created_at: z.string(),
  data: z.object({
    file: z.string(),
    sha256: z.string(),
    rows: z.number().int(),
    split: z.object({
      train: z.object({ years: z.array(z.number().int()), rows: z.number().int() }),
      eval: z.object({ years: z.array(z.number().int()), rows: z.number().int() }),
      holdout: z.object({ years: z.array(z.number().int()), rows: z.number().int() }),
    }),
  }),
  features: z.array(z.string()).min(1),
  feature_state: FeatureStateSchema,
  schema: z.object({
    required: z.array(z.string()),
    fields: z.record(z.string(), FieldInfoSchema),
  }),
  xgboost: z.object({
    version: z.string(),
    params: z.record(z.string(), z.union([z.string(), z.number()])),
    best_iteration: z.number().int(),
    n_trees: z.number().int(),
  }),
  /**
   * Inference cost (ADR 0013): node_visits_per_row = n_trees × max_depth, the most internal
   * nodes one row visits; the training budget it was held to. Optional: older bundles lack it.
   */
  inference: z
    .object({
      max_depth: z.number().int().positive(),
      node_visits_per_row: z.number().int().nonnegative(),
      budget_node_visits: z.number().int().positive(),
    })
    .optional(),
  onnx: z.object({ file: z.literal("model.onnx"), sha256: z.string(), opset: z.number().int() }),
  /**
   * train: the fitted rows (in sample); eval: the backtest's test years, each predicted by a
   * model fitted on the years before it; holdout: once per bundle. Coverage is that of the
   * calibrated interval each row gets (`calibration`) when the bundle has one.
   */
  metrics: z.object({ train: MetricsSchema, eval: MetricsSchema, holdout: MetricsSchema }),
  /** One log-space half-width for every row (bundles before `calibration`; full records). */
  interval: z.object({ level: z.number(), q: z.number() }),
  explain: z.object({
    base_score: z.number(),
    trees: z.array(ExplainTreeSchema),
    /** The linear part of the model (in the ONNX graph too); absent: trees only. */
    linear: LinearPartSchema.optional(),
  }),
  /** Interval calibration by what was given (app/ml/calibration.ts). */
  calibration: CalibrationSchema.optional(),
  /** Training statistics for range warnings and drift monitoring (app/ml/reference.ts). */
  reference: ReferenceSchema.optional(),
  /** Comparable-sales index of the fitted sales (app/ml/comparables.ts). */
  comparables: ComparablesIndexSchema.optional(),
  /** The rolling-origin backtest that chose the model (docs/training.md). */
  backtest: BacktestSchema.optional(),
  card: z
    .object({
      /**
       * Share per factor (key `gain` for pages written before format 2): the mean |SHAP| shares
       * on the holdout from format 2 on, the trees' split gain before.
       */
      importance: z.array(z.object({ factor: z.string(), gain: z.number() })),
      holdout_points: z.array(z.object({ actual: z.number(), predicted: z.number() })),
    })
    .extend(CardExtrasSchema.shape),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

export function parseManifest(json: unknown): BundleManifest {
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== BUNDLE_FORMAT) {
    throw new Error(
      `Unsupported model bundle format ${JSON.stringify(format)}: this code reads format ${BUNDLE_FORMAT}`,
    );
  }
  const parsed = BundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`Invalid model bundle manifest: ${first}`);
  }
  if (parsed.data.features.join() !== parsed.data.feature_state.features.join()) {
    throw new Error("Invalid model bundle manifest: features and feature_state.features differ");
  }
  return parsed.data;
}
