// zod schemas of what the API takes and answers (the record itself is PropertyRecordSchema).
// The one definition of each shape: the request handlers check with them, the OpenAPI
// document is generated from them, and the result types everywhere are their z.infer.
// Pure (no server imports): the OpenAPI page and view models import it too.
import { z } from "zod";
import { MetricsSchema } from "~/ml/bundle";
import { BacktestSchema, CardExtrasSchema } from "~/ml/bundle-blocks";
import { WIDENED_REASONS } from "~/ml/calibration";
import { PropertyRecordSchema } from "~/ml/schema";
import { WARNING_CODES } from "~/ml/warnings";

export const PredictRequestSchema = z.strictObject({
  records: z
    .array(z.unknown(), { error: "must be an array of records" })
    .min(1, { error: "must contain at least one record" }),
  explain: z.boolean({ error: "must be true or false" }).optional(),
  strict: z.boolean({ error: "must be true or false" }).optional(),
  comparables: z.boolean({ error: "must be true or false" }).optional(),
});

export const FieldIssueSchema = z.object({ path: z.string(), message: z.string() });

const RecalibrationFactorSchema = z.object({
  factor: z.number(),
  from_feedback: z.number().int(),
});

export const IntervalSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  level: z.number(),
  group: z.string().meta({
    description:
      'The calibration used, "<given>/<sale>": how much optional information was given (full, ' +
      "most, some, required) and whether the sale condition is typical (Normal/Partial), " +
      "atypical or unknown (not given). GET /api/v1/model lists the groups.",
  }),
  widened: z.array(z.enum(WIDENED_REASONS)).meta({
    description:
      "Why the interval is wider than its group's: few similar training homes, a given value " +
      "outside the training data, or a price that extrapolates beyond it.",
  }),
  recalibrated: RecalibrationFactorSchema.optional().meta({
    description:
      "Present when recent sale prices (POST /api/v1/feedback) widened the interval: its " +
      "calibrated half-width × `factor` (1–1.5), from the last `from_feedback` labelled " +
      "predictions of this server (ADR 0050).",
  }),
});

export const RecordWarningSchema = z.object({
  field: z.string().meta({ description: 'The input field, or "record" for the whole record.' }),
  code: z.enum(WARNING_CODES),
  message: z.string(),
});

export const ContributionSchema = z.object({
  factor: z.string(),
  value: z.number().meta({ description: "Log-price units." }),
  imputed: z.boolean().meta({
    description:
      "True when every field behind this part of the factor was filled in with typical " +
      "values (not given); a factor can appear once given and once imputed.",
  }),
});

export const ComparableSchema = z.object({
  sale_price: z.number(),
  adjusted_price: z.number().meta({
    description:
      "The sale price moved by the model's own difference between this home and the sale: " +
      "sale_price × price(this home) / price(that sale).",
  }),
  year_sold: z.number().int(),
  mo_sold: z.number().int(),
  neighborhood: z.string(),
  gr_liv_area: z.number(),
  year_built: z.number().int(),
  bedrooms: z.number().int(),
  full_bath: z.number().int(),
  half_bath: z.number().int(),
  distance_km: z.number(),
});

// `status` tells the two kinds of item apart (the OpenAPI discriminator), so a client can
// switch on one member instead of probing for `error`.
export const PredictionSchema = z.object({
  status: z.literal("ok"),
  price: z.number(),
  interval: IntervalSchema,
  imputed: z.array(z.string()),
  warnings: z.array(RecordWarningSchema),
  base_value: z.number().optional(),
  base_price: z.number().optional(),
  contributions: z.array(ContributionSchema).optional(),
  comparables: z.array(ComparableSchema).optional(),
  // Set on every prediction this server answers; send it back with the sale price
  // (POST /api/v1/feedback) to measure live accuracy.
  prediction_id: z.string().optional(),
});

export const RowErrorSchema = z.object({
  status: z.literal("error"),
  error: z.object({ row: z.number().int(), errors: z.array(FieldIssueSchema) }),
});

export const PredictResponseSchema = z.object({
  model_version: z.string(),
  predictions: z.array(z.discriminatedUnion("status", [PredictionSchema, RowErrorSchema])),
  warnings: z.array(z.string()),
  counts: z.object({ ok: z.number().int(), failed: z.number().int() }),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  request_id: z.string().optional(),
  errors: z.array(FieldIssueSchema).optional(),
  /** How many issues there were when `errors` lists only the first 100. */
  errors_total: z.number().int().optional(),
});

const FieldDescriptionSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.enum(["number", "integer", "category"]),
  required: z.boolean(),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  allowed_values: z.array(z.string()).optional(),
  description: z.string().optional(),
});

const SplitSchema = z.object({ years: z.array(z.number().int()), rows: z.number().int() });

export const ModelDescriptionSchema = z
  .object({
    model_version: z.string(),
    created_at: z.string(),
    algorithm: z.string(),
    training_data: z.object({
      rows: z.number().int(),
      sha256: z.string(),
      split: z.object({ train: SplitSchema, eval: SplitSchema, holdout: SplitSchema }),
    }),
    metrics: z.object({
      train: MetricsSchema,
      eval: MetricsSchema,
      holdout: MetricsSchema,
    }),
    interval: z.object({
      level: z.number(),
      method: z.string(),
      groups: z
        .array(
          z.object({
            group: z.string(),
            given: z.string(),
            sale: z.string(),
            n: z.number().int().meta({ description: "Backtest residuals in the group." }),
            half_width: z.number().meta({ description: "Log space: ln(upper / price)." }),
            upper_over_lower: z.number(),
          }),
        )
        .meta({
          description:
            'Calibration groups ("<given>/<sale>"); a row uses its own, else its given ' +
            'level\'s "any", else "required/any".',
        }),
      given_levels: z.record(z.string(), z.string()),
      widening: z
        .object({
          few_similar_homes_above: z.number(),
          factor: z.number(),
          description: z.string(),
        })
        .optional(),
    }),
    warning_codes: z.array(z.object({ code: z.enum(WARNING_CODES), meaning: z.string() })),
    card: CardExtrasSchema.pick({
      training_window: true,
      shap_importance: true,
      holdout: true,
      baseline: true,
      calibration_table: true,
      comparables: true,
      monotonicity: true,
    }),
    backtest: BacktestSchema.optional(),
    fields: z.array(FieldDescriptionSchema),
    required_fields: z.array(z.string()),
  })
  .meta({ id: "ModelDescription" });

export const HealthSchema = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    model: z
      .object({
        version: z.string(),
        sha256: z.string(),
        loaded_at: z.string(),
        n_features: z.number().int(),
      })
      .nullable(),
    model_state: z.enum(["loading", "ready", "failed"]),
    last_error: z.string().nullable(),
    last_load_attempt_at: z.string().nullable(),
    dependencies: z.record(
      z.string(),
      z.object({
        status: z.enum(["ok", "degraded", "down", "disabled", "off"]),
        detail: z.string().optional(),
      }),
    ),
    draining: z.boolean(),
    uptime_s: z.number(),
    app_version: z.string(),
  })
  .meta({ id: "Health" });

/** What /health tells anyone without an admin key. */
export const HealthStatusSchema = z
  .object({ status: HealthSchema.shape.status })
  .meta({ id: "HealthStatus" });

export const ReadySchema = z
  .object({ status: z.enum(["ready", "not_ready"]), reason: z.string().optional() })
  .meta({ id: "Readiness" });

export const LivenessSchema = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

// Model monitoring (docs/monitoring.md): sale prices reported back, and what the monitor sees.
export const FEEDBACK_MAX_ITEMS = 10_000;

export const FeedbackRequestSchema = z
  .strictObject({
    feedback: z
      .array(
        z.strictObject({
          prediction_id: z
            .string({ error: "must be a string" })
            .min(1, { error: "must not be empty" })
            .max(100, { error: "must be at most 100 characters" }),
          sale_price: z
            .number({ error: "must be a number" })
            .positive({ error: "must be a positive price" })
            .max(1e9, { error: "must be at most 1e9" }),
          sold_at: z
            .union([z.iso.date(), z.iso.datetime({ offset: true })], {
              error: "must be an ISO date (YYYY-MM-DD) or date-time",
            })
            .optional(),
        }),
        { error: "must be an array of feedback items" },
      )
      .min(1, { error: "must contain at least one item" })
      .max(FEEDBACK_MAX_ITEMS, { error: `must contain at most ${FEEDBACK_MAX_ITEMS} items` }),
  })
  .meta({
    id: "FeedbackRequest",
    description:
      "Sale prices of predicted homes: `prediction_id` from a prediction, the price it sold for.",
    example: { feedback: [{ prediction_id: "5f0c…", sale_price: 187500, sold_at: "2026-11-30" }] },
  });

export const FeedbackResponseSchema = z
  .object({
    results: z.array(
      z.object({
        prediction_id: z.string(),
        status: z.enum(["recorded", "updated", "unknown"]),
      }),
    ),
    counts: z.object({
      recorded: z.number().int(),
      updated: z.number().int(),
      unknown: z.number().int(),
    }),
  })
  .meta({
    id: "FeedbackResponse",
    description:
      "Per item, in order: `recorded`, `updated` (a price for it came before), or `unknown` " +
      "(no such prediction, or too old to be held: MONITOR_HELD_PREDICTIONS).",
  });

const nullableNumber = z.number().nullable();

export const MonitoringSchema = z
  .object({
    reference: z.object({
      available: z.boolean(),
      model_version: z.string().nullable(),
      detail: z.string(),
    }),
    window: z.object({ rows: z.number().int(), capacity: z.number().int(), threshold: z.number() }),
    features: z.array(
      z.object({
        name: z.string(),
        psi: nullableNumber,
        missing_share: z.number(),
        out_of_range_share: z.number(),
        drifted: z.boolean(),
        watched: z.boolean(),
      }),
    ),
    prediction: z.object({ psi: nullableNumber }),
    performance: z.object({
      labelled: z.number().int(),
      rmsle: nullableNumber,
      mape: nullableNumber,
      coverage: nullableNumber,
    }),
    capture: z.object({
      enabled: z.boolean(),
      written: z.number().int(),
      dropped: z.number().int(),
      queued: z.number().int(),
    }),
    recalibration: z
      .object({
        enabled: z.boolean(),
        window: z.number().int(),
        min_count: z.number().int(),
        min_factor: z.number(),
        max_factor: z.number(),
        scores: z.record(z.string(), z.number().int()),
        factors: z.record(z.string(), RecalibrationFactorSchema),
      })
      .meta({
        description:
          "Online recalibration of the interval (ADR 0050): labelled predictions held per pool " +
          "of records (`scores`, at most `window`), and the factor m each pool's half-width is " +
          "served with once it has `min_count` of them (between `min_factor` and `max_factor`).",
      }),
  })
  .meta({
    id: "Monitoring",
    description:
      "This task's view: drift of the last `window.rows` scored rows against the training " +
      "reference (PSI; `drifted` above `window.threshold`; `watched` false for the sale-date " +
      "fields), and accuracy over predictions whose sale price came back. Fleet-wide figures " +
      "come from Prometheus or the prediction log (docs/monitoring.md).",
  });

export type FieldIssue = z.infer<typeof FieldIssueSchema>;
export type FeedbackRequest = z.infer<typeof FeedbackRequestSchema>;
export type FeedbackResponse = z.infer<typeof FeedbackResponseSchema>;
export type Monitoring = z.infer<typeof MonitoringSchema>;
export type Prediction = z.infer<typeof PredictionSchema>;
export type PredictionInterval = z.infer<typeof IntervalSchema>;
export type PredictionWarning = z.infer<typeof RecordWarningSchema>;
export type PredictionComparable = z.infer<typeof ComparableSchema>;
export type Contribution = z.infer<typeof ContributionSchema>;
export type RowError = z.infer<typeof RowErrorSchema>;
export type PredictionItem = Prediction | RowError;
export type PredictResponse = z.infer<typeof PredictResponseSchema>;
export type Problem = z.infer<typeof ProblemSchema>;
export type ModelDescription = z.infer<typeof ModelDescriptionSchema>;
export type Health = z.infer<typeof HealthSchema>;

export { isRowError } from "./items";

export { PropertyRecordSchema };
