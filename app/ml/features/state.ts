// The fitted feature state: plain JSON in the bundle manifest, fitted on the training rows only
// (training/fit-features.ts). Browser-safe.
import { z } from "zod";
import { numberArray } from "../number-arrays";

const TargetEncoderSchema = z.object({
  prior: z.number(),
  smoothing: z.number(),
  map: z.record(z.string(), z.number()),
});

export const FeatureStateSchema = z.object({
  /** Feature names in model column order. */
  features: z.array(z.string()).min(1),
  impute: z.object({
    /** Training median (numeric) or mode (category) per raw field. */
    values: z.record(z.string(), z.union([z.number(), z.string()])),
    /** Training median [Longitude, Latitude] per neighbourhood. */
    geo: z.record(z.string(), z.tuple([z.number(), z.number()])),
    /** Training median garage area per car. */
    garage_area_per_car: z.number(),
  }),
  /** Target encoders keyed by feature name (see TARGET_ENCODED). */
  target: z.record(z.string(), TargetEncoderSchema),
  /** Frequency encoders keyed by feature name (see FREQUENCY_ENCODED). */
  frequency: z.record(z.string(), z.object({ map: z.record(z.string(), z.number()) })),
  /**
   * Spatial target encoding: training sales' locations and log price per total square foot;
   * a house gets the mean over its k nearest sales (out-of-fold for training rows).
   */
  nearby: z.object({
    k: z.number().int().min(1),
    lon: numberArray(),
    lat: numberArray(),
    value: numberArray(),
  }),
});

export type FeatureState = z.infer<typeof FeatureStateSchema>;
