// The training CLI's closing report: what was chosen, how it did, what shipped.
import type { TrainOutcome } from "./pipeline";

type Row = Record<string, string>;

function table(rows: Row[]): string {
  const cols = Object.keys(rows[0]);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  return [
    line(cols),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map((r) => line(cols.map((c) => r[c]))),
  ].join("\n");
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function summary(out: TrainOutcome): string {
  const m = out.manifest;
  const card = m.card;
  const lines: string[] = [];
  const bt = m.backtest!;
  lines.push(
    `Backtest (chose "${bt.selection.chosen}", ${bt.rounds} rounds):`,
    table(
      bt.folds.map((f) => ({
        fold: `${f.fit_years.join("–")} → ${f.test_years.join()}`,
        "RMSLE as given": f.full.rmsle.toFixed(4),
        "MAPE %": f.full.mape.toFixed(2),
        "RMSLE required only": f.required_only.rmsle.toFixed(4),
        "MAPE % ": f.required_only.mape.toFixed(2),
        "RMSLE Normal sales": f.normal.rmsle.toFixed(4),
      })),
    ),
    "",
    "Metrics (coverage of each row's calibrated 90% interval):",
    table(
      (["train", "eval", "holdout"] as const).map((k) => ({
        split: { train: "train (in sample)", eval: "backtest test years", holdout: "holdout 2010" }[
          k
        ],
        n: String(m.metrics[k].n),
        RMSLE: m.metrics[k].rmsle.toFixed(4),
        "MAPE %": m.metrics[k].mape.toFixed(2),
        "R²": m.metrics[k].r2.toFixed(4),
        coverage: pct(m.metrics[k].coverage),
      })),
    ),
  );
  const h = card.holdout!;
  lines.push(
    "",
    "Holdout 2010 (95% bootstrap intervals):",
    table(
      [
        ["as given, all sales", h.full.all],
        ["as given, Normal sales", h.full.normal],
        ["required only, all sales", h.required_only.all],
        ["required only, Normal", h.required_only.normal],
      ].map(([name, x]) => {
        const v = x as typeof h.full.all;
        return {
          records: name as string,
          n: String(v.n),
          RMSLE: `${v.rmsle.toFixed(4)} [${v.ci95.rmsle.map((c) => c.toFixed(3)).join("–")}]`,
          "MAPE %": `${v.mape.toFixed(2)} [${v.ci95.mape.map((c) => c.toFixed(1)).join("–")}]`,
          coverage: `${pct(v.coverage)} [${v.ci95.coverage.map(pct).join("–")}]`,
        };
      }),
    ),
    "",
    `Baseline (${card.baseline!.description}): holdout RMSLE ${card.baseline!.holdout.rmsle.toFixed(4)}, MAPE ${card.baseline!.holdout.mape.toFixed(2)}%`,
  );
  const c = card.comparables as unknown as Record<string, Record<string, number>>;
  for (const k of ["as_given", "required_fields_only"]) {
    const r = c[k];
    lines.push(
      `Comparables (${k.replace(/_/g, " ")}): ${r.homes}/${r.of} homes; mean |log error| adjusted ` +
        `${r.mean_abs_log_error_adjusted.toFixed(4)} vs raw ${r.mean_abs_log_error_raw.toFixed(4)}; ` +
        `adjusted closer for ${r.homes_closer_adjusted} homes`,
    );
  }
  const drops = card.monotonicity!.reduce((s, x) => s + x.drops, 0);
  lines.push(
    `Monotonicity: ${drops} drops over ${card.monotonicity!.length} checked changes on every holdout home`,
  );
  if (out.parity) {
    lines.push(
      `Parity: trees ${out.parity.trees.exact}/${out.parity.trees.rows} bit-identical with XGBoost; ` +
        `whole graph vs TS reference max relative ${out.parity.model.maxRelDiff.toExponential(2)}`,
    );
  }
  const cost = m.inference!;
  lines.push(
    `Model: ${m.xgboost.n_trees} trees × depth ≤ ${cost.max_depth} = ${cost.node_visits_per_row} ` +
      `node visits/row (budget ${cost.budget_node_visits})` +
      (m.explain.linear ? ` + linear part of ${m.explain.linear.terms.length} terms` : ""),
    `Bundle: ${out.bundle?.dir ?? "(not written)"} (${((out.bundle?.bytes ?? 0) / 1024).toFixed(0)} KiB)`,
  );
  return lines.join("\n");
}
