// zod schemas of the manifest blocks added for trustworthy estimates (ADR 0025–0028): the linear
// part, the interval calibration, the training reference, the comparable-sales index, the
// backtest and the analyst's model card. All optional in the manifest, so older bundles load.
import { z } from "zod";
import type { Calibration } from "./calibration";
import { integerArray, numberArray } from "./number-arrays";
import type { ComparablesIndex } from "./comparables";
import type { LinearPart } from "./linear";
import type { Reference } from "./reference";

export const LinearPartSchema = z.object({
  intercept: z.number(),
  terms: z.array(
    z.object({
      feature: z.string(),
      index: z.number().int().nonnegative(),
      transform: z.enum(["identity", "log1p"]),
      weight: z.number(),
      mean: z.number(),
      min: z.number(),
      max: z.number(),
    }),
  ),
}) satisfies z.ZodType<LinearPart>;

const given = z.enum(["full", "most", "some", "required"]);
export const CalibrationSchema = z.object({
  level: z.number().gt(0).lt(1),
  field_weights: z.record(z.string(), z.number().nonnegative()),
  given_bounds: z.object({ full: z.number(), most: z.number(), some: z.number() }),
  cells: z
    .array(
      z.object({
        given,
        sale: z.enum(["typical", "atypical", "unknown", "any"]),
        n: z.number().int().positive(),
        q: z.number().positive(),
      }),
    )
    .refine((cells) => cells.some((c) => c.given === "required" && c.sale === "any"), {
      message: "needs a required/any cell",
    }),
  sparse_above: z.number(),
  sparse_factor: z.number().min(1),
}) satisfies z.ZodType<Calibration>;

const histogram = z.object({ edges: z.array(z.number()), shares: z.array(z.number()) });
export const ReferenceSchema = z.object({
  version: z.literal(1),
  rows: z.number().int(),
  years: z.array(z.number().int()),
  fields: z.record(
    z.string(),
    z.discriminatedUnion("kind", [
      z.object({
        kind: z.literal("number"),
        missing_share: z.number(),
        quantiles: z.array(z.number()),
        histogram,
      }),
      z.object({
        kind: z.literal("category"),
        missing_share: z.number(),
        shares: z.record(z.string(), z.number()),
      }),
    ]),
  ),
  prediction: z.object({
    edges: z.array(z.number()),
    train: z.array(z.number()),
    holdout: z.array(z.number()),
    quantiles: z.array(z.number()),
  }),
}) satisfies z.ZodType<Reference>;

const column = numberArray();
export const ComparablesIndexSchema = z
  .object({
    neighborhoods: z.array(z.string()),
    neighborhood: integerArray(),
    latitude: column,
    longitude: column,
    sale_price: column,
    year_sold: column,
    mo_sold: column,
    gr_liv_area: column,
    year_built: column,
    bedrooms: column,
    full_bath: column,
    half_bath: column,
    log_pred: column,
  })
  .refine(
    (ix) =>
      Object.values(ix).every(
        (v) => v === ix.neighborhoods || (v as unknown[]).length === ix.sale_price.length,
      ),
    { message: "columns of different lengths" },
  ) satisfies z.ZodType<ComparablesIndex>;

const accuracy = z.object({ rmsle: z.number(), mape: z.number(), n: z.number().int() });
export const BacktestSchema = z.object({
  protocol: z.string(),
  rounds: z.number().int().positive(),
  folds: z.array(
    z.object({
      fit_years: z.array(z.number().int()),
      test_years: z.array(z.number().int()),
      fit_rows: z.number().int(),
      full: accuracy,
      required_only: accuracy,
      normal: accuracy,
    }),
  ),
  selection: z.object({
    chosen: z.string(),
    rule: z.string(),
    candidates: z.array(
      z.object({ name: z.string(), description: z.string(), score: z.number() }).loose(),
    ),
  }),
});

const withCi = z
  .object({
    rmsle: z.number(),
    mape: z.number(),
    coverage: z.number(),
    n: z.number().int(),
    ci95: z.object({
      rmsle: z.tuple([z.number(), z.number()]),
      mape: z.tuple([z.number(), z.number()]),
      coverage: z.tuple([z.number(), z.number()]),
    }),
  })
  .loose();

/** The analyst's card (all optional: the page shows what a bundle has). */
export const CardExtrasSchema = z.object({
  training_window: z.string().optional(),
  shap_importance: z
    .array(z.object({ factor: z.string(), mean_abs: z.number(), share: z.number() }))
    .optional(),
  holdout: z
    .object({
      full: z.object({ all: withCi, normal: withCi }),
      required_only: z.object({ all: withCi, normal: withCi }),
    })
    .optional(),
  baseline: z
    .object({ description: z.string(), holdout: accuracy.loose(), model: accuracy.loose() })
    .optional(),
  segments: z
    .array(
      z.object({
        records: z.string(),
        segment: z.string(),
        value: z.string(),
        n: z.number().int(),
        rmsle: z.number(),
        mape: z.number(),
        coverage: z.number(),
      }),
    )
    .optional(),
  calibration_table: z
    .array(z.object({ records: z.string(), group: z.string() }).loose())
    .optional(),
  /**
   * Residual (log actual − log predicted) per sale, columns: the backtest's test years and the
   * holdout (`splits[split[i]]`), for residual vs prediction and vs sale month.
   */
  residuals: z
    .object({
      splits: z.array(z.string()),
      split: integerArray(),
      year: integerArray(),
      month: integerArray(),
      predicted: numberArray(),
      residual: numberArray(),
    })
    .optional(),
  comparables: z.object({ description: z.string() }).loose().optional(),
  monotonicity: z
    .array(
      z.object({
        change: z.string(),
        homes: z.number().int(),
        drops: z.number().int(),
        maxDrop: z.number(),
      }),
    )
    .optional(),
});
