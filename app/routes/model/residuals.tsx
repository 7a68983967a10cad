import { Card } from "~/components/PageShell";
import { ResidualChart } from "~/components/charts/ResidualChart";
import type { CardView } from "./card-view";

/** Residual plots: against the predicted price and against the month of sale. */
export function ResidualSection({ points }: { points: NonNullable<CardView["residuals"]> }) {
  const byPrice = points.map((p) => ({ split: p.split, x: p.predicted, residual: p.residual }));
  // Months as one running number (year × 12 + month), labelled at each January.
  const byMonth = points.map((p) => ({
    split: p.split,
    x: p.year * 12 + p.month - 1,
    residual: p.residual,
  }));
  const years = [...new Set(points.map((p) => p.year))].sort();
  const labels = years.map((y) => ({ at: y * 12, text: String(y) }));
  const holdout = points.filter((p) => p.split === "holdout").length;
  return (
    <Card title="Residuals" id="residuals">
      <p className="mt-1 text-sm text-slate-600">
        Log of actual ÷ predicted price for {points.length - holdout} backtest sales (each predicted
        by a model fitted on earlier years) and {holdout} holdout sales. Above zero: the model
        priced the home too low.
      </p>
      <div className="mt-3 grid grid-cols-1 gap-6 lg:grid-cols-2">
        <ResidualChart
          dots={byPrice}
          axis={{ kind: "price" }}
          caption="Residual against the predicted price (log scale)."
          testId="residuals-by-price"
        />
        <ResidualChart
          dots={byMonth}
          axis={{ kind: "month", labels }}
          caption="Residual against the month of sale."
          testId="residuals-by-month"
        />
      </div>
    </Card>
  );
}
