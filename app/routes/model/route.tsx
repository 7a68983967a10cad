import { json, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { ImportanceChart } from "~/components/charts/ImportanceChart";
import { ScatterChart } from "~/components/charts/ScatterChart";
import { Card, PageShell } from "~/components/PageShell";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { getReadyModel } from "~/inference/inference.server";
import { modelNotReadyResponse } from "~/lib/dashboard.server";
import { ModelNotReadyError } from "~/lib/errors.server";
import { formatInteger, formatMetric, formatPercent } from "~/components/format";
import { yearsLabel } from "~/components/format";
import { shareWithin } from "./view";
import { buildCardView } from "./card-view";
import { ResidualSection } from "./residuals";
import {
  AccuracySection,
  BacktestSection,
  BaselineSection,
  CalibrationSection,
  ChecksSection,
  SegmentsSection,
} from "./sections";
import { ScrollRegion } from "~/components/ScrollRegion";
import { TableHead } from "~/components/TableHead";
import { pageMeta } from "~/components/meta";
import type { PageHandle } from "~/root";

export const meta: MetaFunction = () =>
  pageMeta(
    "Model card",
    "How the Ames price model was built and tested: training window, accuracy with confidence intervals, segments, calibration, backtest and limitations.",
  );

const SPLITS = ["train", "eval", "holdout"] as const;
const SPLIT_LABEL = { train: "Train", eval: "Backtest", holdout: "Holdout" } as const;
const SPLIT_ROLE = {
  train: "Fits the final model (trees, linear part, encodings)",
  eval: "Each year predicted by a model fitted on the years before it: chooses the model, calibrates the interval",
  holdout: "Scored once per released model, for the numbers below",
} as const;

const METRICS = [
  { key: "mae", label: "Mean absolute error", help: "Average miss in dollars" },
  { key: "medape", label: "Median % error", help: "Half the estimates miss by less than this" },
  { key: "mape", label: "Mean % error", help: "Average miss as a share of the price" },
  {
    key: "rmsle",
    label: "RMSLE",
    help: "Root mean squared error of log price (what the model minimises)",
  },
  { key: "r2", label: "R²", help: "Share of price variation explained (1 = perfect)" },
  {
    key: "coverage",
    label: "Interval coverage",
    help: "Share of actual prices inside the interval",
  },
] as const;

// Nothing on this page needs JavaScript: it loads none (see PageHandle in root.tsx).
export const handle: PageHandle = { hydrate: false };

export function loader() {
  let model;
  try {
    model = getReadyModel();
  } catch (error) {
    if (error instanceof ModelNotReadyError) throw modelNotReadyResponse(error);
    throw error;
  }
  const m = model.manifest;
  const split = m.data.split;
  return json({
    version: m.version,
    createdAt: m.created_at,
    dataFile: m.data.file,
    dataRows: m.data.rows,
    split: SPLITS.map((name) => ({
      name,
      label: SPLIT_LABEL[name],
      years: yearsLabel(split[name].years),
      rows: split[name].rows,
      role: SPLIT_ROLE[name],
    })),
    metrics: m.metrics,
    interval: m.interval,
    nFeatures: m.features.length,
    nTrees: m.xgboost.n_trees,
    xgbVersion: m.xgboost.version,
    maxDepth: m.xgboost.params.max_depth,
    points: m.card.holdout_points,
    within10: shareWithin(m.card.holdout_points, 0.1),
    holdoutYears: yearsLabel(split.holdout.years),
    card: buildCardView(m),
    chosen: m.backtest?.selection.chosen,
  });
}

export default function ModelCard() {
  const d = useLoaderData<typeof loader>();
  const level = Math.round(d.interval.level * 100);
  const trainYears = d.split.find((s) => s.name === "train")?.years ?? "";
  return (
    <PageShell>
      <div className="max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Model card</h1>
        <p className="mt-2 text-slate-700">
          What the price model is, what it learned from, how well it does on sales it never saw, and
          where it should not be trusted.
        </p>
        <dl className="mt-4 grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="font-medium text-slate-600">Version</dt>
          <dd className="break-all font-mono text-slate-900" data-testid="model-version">
            {d.version}
          </dd>
          <dt className="font-medium text-slate-600">Trained</dt>
          <dd>{d.createdAt.slice(0, 10)}</dd>
          <dt className="font-medium text-slate-600">Model</dt>
          <dd>
            XGBoost {d.xgbVersion} gradient-boosted trees ({formatInteger(d.nTrees)} trees
            {d.maxDepth !== undefined ? `, depth ≤ ${d.maxDepth}` : ""})
            {d.chosen === "linear+trees" ? " on the residuals of a ridge regression" : ""},
            predicting the log of the sale price from {d.nFeatures} features, served as ONNX.
          </dd>
          {d.card.trainingWindow ? (
            <>
              <dt className="font-medium text-slate-600">Data</dt>
              <dd data-testid="training-window">{d.card.trainingWindow}</dd>
            </>
          ) : null}
        </dl>
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title="Training data and split" id="data">
          <p className="mt-2 text-sm text-slate-700">
            {formatInteger(d.dataRows)} home sales in Ames, Iowa (De Cock&apos;s Ames Housing data,{" "}
            <code className="text-xs">{d.dataFile}</code>), split by year of sale so the model is
            always tested on sales later than those it learned from.
          </p>
          <ScrollRegion label="Table of data splits" className="mt-3">
            <table className="w-full text-left text-sm" data-testid="split-table">
              <TableHead
                columns={["Split", "Sale years", { label: "Sales", numeric: true }, "Used to"]}
              />
              <tbody>
                {d.split.map((s) => (
                  <tr key={s.name} className="border-b border-slate-100">
                    <th scope="row" className="py-2 pr-3 font-medium">
                      {s.label}
                    </th>
                    <td className="py-2 pr-3">{s.years}</td>
                    <td className="py-2 pr-3 text-right tabular-nums">{formatInteger(s.rows)}</td>
                    <td className="py-2 text-slate-700">{s.role}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </Card>

        <Card title="Accuracy by split" id="metrics">
          <ScrollRegion label="Table of accuracy by split" className="mt-3" hint>
            <table className="w-full min-w-[22rem] text-left text-sm" data-testid="metrics-table">
              <TableHead
                columns={[
                  "Metric",
                  ...SPLITS.map((s) => ({ label: SPLIT_LABEL[s], numeric: true })),
                ]}
              />
              <tbody>
                {METRICS.map((m) => (
                  <tr key={m.key} className="border-b border-slate-100 align-top">
                    <th scope="row" className="py-2 pr-3 font-normal">
                      <span className="font-medium">{m.label}</span>
                      <span className="block text-xs text-slate-600">{m.help}</span>
                    </th>
                    {SPLITS.map((s) => (
                      <td key={s} className="py-2 pr-3 text-right tabular-nums">
                        {formatMetric(m.key, d.metrics[s][m.key])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <p className="mt-3 text-sm text-slate-700">
            <strong>Interval coverage:</strong> every estimate comes with a {level}% interval
            (split-conformal, calibrated on the backtest years by how much was given). On the{" "}
            {d.holdoutYears} holdout sales as given, {formatPercent(d.metrics.holdout.coverage)} of
            actual prices fell inside it (target {level}%). Training numbers are optimistic: the
            model has seen those sales.
          </p>
        </Card>

        <Card title="What the model relies on" id="importance">
          <p className="mb-3 mt-1 text-sm text-slate-600">
            {d.card.importanceKind === "shap"
              ? "Each factor’s share of the mean absolute SHAP contribution on the holdout sales"
              : "Share of the trees’ total split gain per factor"}{" "}
            (features grouped as on the estimate page). Importance shows what the model uses, not
            cause and effect.
          </p>
          <ImportanceChart bars={d.card.importance} />
        </Card>

        <Card title="Predicted vs actual (holdout)" id="scatter">
          <p className="mb-3 mt-1 text-sm text-slate-600">
            Each dot is a {d.holdoutYears} sale the model never saw; dots on the dashed line are
            perfect estimates. {formatPercent(d.within10)} are within 10% of the actual price.
          </p>
          <ScatterChart
            points={d.points}
            caption={`Predicted against actual sale price for ${formatInteger(d.points.length)} holdout sales (log scales).`}
          />
        </Card>
      </div>

      <div className="mt-6 space-y-6">
        {d.card.accuracy ? <AccuracySection rows={d.card.accuracy} level={level} /> : null}
        {d.card.baseline ? <BaselineSection baseline={d.card.baseline} /> : null}
        {d.card.segments ? <SegmentsSection tables={d.card.segments} level={level} /> : null}
        {d.card.calibration ? <CalibrationSection rows={d.card.calibration} level={level} /> : null}
        {d.card.residuals ? <ResidualSection points={d.card.residuals} /> : null}
        {d.card.backtest ? <BacktestSection backtest={d.card.backtest} /> : null}
        {d.card.comparables || d.card.monotonicity ? (
          <ChecksSection comparables={d.card.comparables} monotonicity={d.card.monotonicity} />
        ) : null}
      </div>

      <Card title="Limitations" id="limitations" className="mt-6">
        <ul className="mt-3 list-disc space-y-2 pl-5 text-slate-700">
          <li>
            <strong>One town, one period.</strong> It learned from sales in Ames, Iowa, in{" "}
            {trainYears} and was tested on {d.holdoutYears} sales. It knows nothing about other
            places, and nothing about prices after {d.holdoutYears} — it is not a valuation of a
            home today.
          </li>
          <li>
            <strong>Unusual homes are guesses.</strong> Very large, very old, very expensive or
            otherwise rare homes had few similar sales; errors are larger there. Such estimates
            carry warnings and a wider interval, but it can still be too narrow.
          </li>
          <li>
            <strong>Missing details are filled in</strong> with typical values from the training
            sales. The more you leave out, the more the estimate describes a typical home rather
            than yours.
          </li>
          <li>
            <strong>Explanations are about the model</strong>, not the market: a factor with a large
            effect is what moved this model&apos;s estimate, not a proven cause of the price.
          </li>
          <li>
            <strong>The interval is a long-run average</strong>: about {level} in 100 intervals
            contain the actual price, but it can miss more often for some kinds of homes or in a
            changing market (2008–2010 was the housing crash).
          </li>
          <li>
            Sales that were not normal arm&apos;s-length sales (foreclosures, family sales, partial
            sales of new homes) are in the data and are priced differently; set the sale type and
            condition under &ldquo;More details&rdquo; when they apply.
          </li>
        </ul>
      </Card>
    </PageShell>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
