// The analyst's model card from the bundle's `card`, `backtest` and `metrics` blocks, as the
// page shows it. Pure and browser-safe. Nothing is computed on the holdout here: every number
// was measured at training time and stored in the bundle; a block the bundle lacks (older
// bundles) is undefined and its section is left out.
import type { BundleManifest } from "~/ml/bundle";
import { FIELD_BY_NAME } from "~/ml/fields";
import { levelLabel } from "~/ml/level-labels";
import { importanceBars, type ImportanceBar } from "./view";

type Card = BundleManifest["card"];
type WithCi = NonNullable<Card["holdout"]>["full"]["all"];

export type AccuracyRow = {
  records: string;
  sales: string;
  n: number;
  rmsle: number;
  rmsleCi: [number, number];
  mape: number;
  mapeCi: [number, number];
  coverage: number;
  coverageCi: [number, number];
};

export type SegmentRow = {
  value: string;
  n: number;
  given: { rmsle: number; mape: number; coverage: number };
  required?: { rmsle: number; mape: number; coverage: number };
};

export type SegmentTable = { segment: string; title: string; rows: SegmentRow[] };

export type CalibrationRow = {
  records: string;
  group: string;
  n: number;
  coverage: number;
  widened?: number;
  ratio?: number;
};

export type ResidualPoint = {
  split: string;
  year: number;
  month: number;
  predicted: number;
  residual: number;
};

export type CardView = {
  trainingWindow?: string;
  /** "mean |SHAP| on the holdout" or "split gain" (older bundles). */
  importanceKind: "shap" | "gain";
  importance: ImportanceBar[];
  accuracy?: AccuracyRow[];
  baseline?: {
    description: string;
    rows: { name: string; rmsle: number; mape: number; mae?: number; r2?: number }[];
  };
  segments?: SegmentTable[];
  calibration?: CalibrationRow[];
  residuals?: ResidualPoint[];
  backtest?: {
    protocol: string;
    rounds: number;
    folds: {
      fit: number[];
      test: number[];
      rows: number;
      full: { rmsle: number; mape: number; n: number };
      required: { rmsle: number; mape: number; n: number };
      normal: { rmsle: number; mape: number; n: number };
    }[];
    chosen: string;
    rule: string;
    candidates: { name: string; description: string; score: number }[];
  };
  comparables?: {
    description: string;
    rows: {
      records: string;
      homes: number;
      of: number;
      raw: number;
      adjusted: number;
      closer: number;
    }[];
  };
  monotonicity?: { change: string; homes: number; drops: number }[];
};

const SEGMENT_TITLES: Record<string, string> = {
  sale_condition: "Sale condition",
  price_band: "Price band (actual price)",
  age_band: "Age at sale",
  neighborhood: "Neighbourhood (15 largest; the rest as “other”)",
};
const SEGMENT_FIELDS: Record<string, string> = {
  sale_condition: "Sale_Condition",
  neighborhood: "Neighborhood",
};

function accuracyRow(records: string, sales: string, m: WithCi): AccuracyRow {
  return {
    records,
    sales,
    n: m.n,
    rmsle: m.rmsle,
    rmsleCi: m.ci95.rmsle,
    mape: m.mape,
    mapeCi: m.ci95.mape,
    coverage: m.coverage,
    coverageCi: m.ci95.coverage,
  };
}

function segmentTables(segments: NonNullable<Card["segments"]>): SegmentTable[] {
  const order = [...new Set(segments.map((s) => s.segment))];
  return order.map((segment) => {
    const field = SEGMENT_FIELDS[segment];
    const label = (v: string) => (v === "other" ? "Other" : field ? levelLabel(field, v) : v);
    const given = segments.filter((s) => s.segment === segment && s.records === "as given");
    const required = segments.filter((s) => s.segment === segment && s.records !== "as given");
    const metrics = (s: (typeof segments)[number]) => ({
      rmsle: s.rmsle,
      mape: s.mape,
      coverage: s.coverage,
    });
    return {
      segment,
      title: SEGMENT_TITLES[segment] ?? segment,
      rows: given.map((s) => {
        const r = required.find((x) => x.value === s.value);
        return { value: label(s.value), n: s.n, given: metrics(s), required: r && metrics(r) };
      }),
    };
  });
}

function residualPoints(r: NonNullable<Card["residuals"]>): ResidualPoint[] {
  return r.residual.map((residual, i) => ({
    split: r.splits[r.split[i]] ?? "?",
    year: r.year[i],
    month: r.month[i],
    // Rounded: the page carries every point, and a dollar or a 0.001 log unit is invisible.
    predicted: Math.round(r.predicted[i]),
    residual: Math.round(residual * 1000) / 1000,
  }));
}

type Num = number | undefined;
const num = (v: unknown): Num => (typeof v === "number" ? v : undefined);

export function buildCardView(
  manifest: Pick<BundleManifest, "card" | "backtest" | "metrics">,
  maxBars = 12,
): CardView {
  const card = manifest.card;
  const shap = card.shap_importance;
  const view: CardView = {
    trainingWindow: card.training_window,
    importanceKind: shap ? "shap" : "gain",
    importance: importanceBars(
      shap ? shap.map((s) => ({ factor: s.factor, gain: s.share })) : card.importance,
      maxBars,
    ),
  };
  if (card.holdout) {
    const h = card.holdout;
    view.accuracy = [
      accuracyRow("Full records", "All sales", h.full.all),
      accuracyRow("Full records", "Normal sales", h.full.normal),
      accuracyRow("Required fields only", "All sales", h.required_only.all),
      accuracyRow("Required fields only", "Normal sales", h.required_only.normal),
    ];
  }
  if (card.baseline) {
    const b = card.baseline;
    view.baseline = {
      description: b.description,
      rows: [
        { name: "This model", ...b.model, mae: num(b.model.mae), r2: num(b.model.r2) },
        { name: "Baseline", ...b.holdout, mae: num(b.holdout.mae), r2: num(b.holdout.r2) },
      ].map(({ name, rmsle, mape, mae, r2 }) => ({ name, rmsle, mape, mae, r2 })),
    };
  }
  if (card.segments) view.segments = segmentTables(card.segments);
  if (card.calibration_table) {
    view.calibration = card.calibration_table.map((c) => ({
      records: c.records,
      group: c.group,
      n: num(c.n) ?? 0,
      coverage: num(c.coverage) ?? NaN,
      widened: num(c.widened),
      ratio: num(c.mean_upper_over_lower),
    }));
  }
  if (card.residuals) view.residuals = residualPoints(card.residuals);
  if (manifest.backtest) {
    const b = manifest.backtest;
    view.backtest = {
      protocol: b.protocol,
      rounds: b.rounds,
      folds: b.folds.map((f) => ({
        fit: f.fit_years,
        test: f.test_years,
        rows: f.fit_rows,
        full: f.full,
        required: f.required_only,
        normal: f.normal,
      })),
      chosen: b.selection.chosen,
      rule: b.selection.rule,
      candidates: b.selection.candidates.map(({ name, description, score }) => ({
        name,
        description,
        score,
      })),
    };
  }
  if (card.comparables) {
    const c = card.comparables as Record<string, unknown> & { description: string };
    const rows = [
      ["As given", c.as_given],
      ["Required fields only", c.required_fields_only],
    ].flatMap(([records, v]) => {
      const o = v as Record<string, unknown> | undefined;
      const raw = num(o?.mean_abs_log_error_raw);
      const adjusted = num(o?.mean_abs_log_error_adjusted);
      if (!o || raw === undefined || adjusted === undefined) return [];
      return [
        {
          records: records as string,
          homes: num(o.homes) ?? 0,
          of: num(o.of) ?? 0,
          raw,
          adjusted,
          closer: num(o.homes_closer_adjusted) ?? 0,
        },
      ];
    });
    view.comparables = { description: c.description, rows };
  }
  if (card.monotonicity) {
    // "Overall_Cond one level up" → "Overall condition one level up".
    const named = (change: string) =>
      change.replace(/^([A-Za-z_0-9]+) one level up/, (m, f: string) =>
        FIELD_BY_NAME.has(f) ? `${FIELD_BY_NAME.get(f)!.label} one level up` : m,
      );
    view.monotonicity = card.monotonicity.map(({ change, homes, drops }) => ({
      change: named(change),
      homes,
      drops,
    }));
  }
  return view;
}
