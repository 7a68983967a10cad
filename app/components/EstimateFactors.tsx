import type { EstimateView } from "~/routes/_index/view";
import { formatLogEffect, formatPrice } from "~/components/format";
import { FactorChart } from "./charts/FactorChart";

/**
 * What moved the estimate, in two parts: the details the user gave, and the details the model
 * filled in with typical values (not the user's home, so shown apart and said plainly).
 */
export function EstimateFactors({ view }: { view: EstimateView }) {
  if (view.basePrice === undefined || view.bars.length + view.imputedBars.length === 0) return null;
  const n = view.imputed.length;
  return (
    <div className="mt-6">
      <h3 className="font-semibold text-slate-900">What moved the estimate</h3>
      <p className="mt-1 text-sm text-slate-600">
        Starting from {formatPrice(view.basePrice, 1000)} (the model&apos;s average training sale),
        each factor multiplies the price by the percentage shown; together they give{" "}
        {formatPrice(view.price, 1000)}.
      </p>
      {view.bars.length > 0 ? (
        <div className="mt-3" data-testid="given-factors">
          <h4 className="text-sm font-semibold text-slate-800">From the details you gave</h4>
          <p className="mb-2 text-sm text-slate-600">{view.factorSummary}</p>
          <FactorChart
            bars={view.bars}
            title="Effect of the details you gave"
            summary={view.factorSummary}
          />
        </div>
      ) : null}
      {view.imputedBars.length > 0 ? (
        <div className="mt-4 rounded-lg bg-slate-50 p-3" data-testid="imputed-factors">
          <h4 className="text-sm font-semibold text-slate-800">Filled in with typical values</h4>
          <p className="mb-2 text-sm text-slate-600">
            You did not give {n} detail{n === 1 ? "" : "s"}, so the model used values typical of
            similar homes. They are not facts about your home; together they changed the estimate by{" "}
            {formatLogEffect(view.imputedLog)}. Give them under &ldquo;More details&rdquo; to
            replace them.
          </p>
          <FactorChart
            bars={view.imputedBars}
            title="Effect of the details filled in with typical values"
            summary={`Filled-in details changed the estimate by ${formatLogEffect(view.imputedLog)}.`}
            testId="factor-chart-imputed"
          />
        </div>
      ) : null}
    </div>
  );
}
