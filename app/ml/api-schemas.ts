// zod schemas of the JSON API's envelopes (the record itself is PropertyRecordSchema).
// Used by the predict route to check the envelope and by the OpenAPI generator.
import { z } from "zod";
import { PropertyRecordSchema } from "./schema";

export const PredictRequestSchema = z.strictObject({
  records: z
    .array(z.unknown(), { error: "must be an array of records" })
    .min(1, { error: "must contain at least one record" }),
  explain: z.boolean({ error: "must be true or false" }).optional(),
  strict: z.boolean({ error: "must be true or false" }).optional(),
});

const FieldIssueSchema = z.object({ path: z.string(), message: z.string() });

export const IntervalSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  level: z.number(),
});

export const PredictionSchema = z.object({
  price: z.number(),
  interval: IntervalSchema,
  imputed: z.array(z.string()),
  base_value: z.number().optional(),
  contributions: z.array(z.object({ factor: z.string(), value: z.number() })).optional(),
});

export const RowErrorSchema = z.object({
  error: z.object({ row: z.number().int(), errors: z.array(FieldIssueSchema) }),
});

export const PredictResponseSchema = z.object({
  model_version: z.string(),
  predictions: z.array(z.union([PredictionSchema, RowErrorSchema])),
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
});

export { PropertyRecordSchema };
