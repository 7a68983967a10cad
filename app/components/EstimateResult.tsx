import type { EstimateView } from "~/routes/_index/view";
import { formatInteger, formatPercent, formatPrice } from "~/components/format";
import { ComparableSales } from "./ComparableSales";
import { EstimateFactors } from "./EstimateFactors";
import { EstimateWarnings } from "./EstimateWarnings";
import { IntervalChart } from "./charts/IntervalChart";

/** The result of one estimate: price, interval, factors, neighbourhood, imputed fields. */
export function EstimateResult({ view, shareHref }: { view: EstimateView; shareHref: string }) {
  const pct = Math.round(view.level * 100);
  const nb = view.neighbourhood;
  return (
    <section
      aria-labelledby="result-title"
      className="rounded-xl border border-blue-200 bg-white p-4 shadow-sm sm:p-6"
      data-testid="estimate-result"
    >
      <h2
        id="result-title"
        tabIndex={-1}
        className="scroll-mt-4 text-sm font-medium uppercase tracking-wide text-slate-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
      >
        Estimated sale price
      </h2>
      <p className="mt-1 text-4xl font-bold tracking-tight text-slate-900" data-testid="price">
        {formatPrice(view.price, 1000)}
      </p>
      <p className="mt-1 text-slate-700" data-testid="interval">
        {pct}% interval: <strong>{formatPrice(view.lower, 1000)}</strong> to{" "}
        <strong>{formatPrice(view.upper, 1000)}</strong>
      </p>
      <EstimateWarnings view={view} />
      <p className="mt-2 text-sm text-slate-600">
        {view.calibration
          ? `The range is calibrated on ${view.calibration}, so that about ${pct} in 100 such ranges hold the actual price.`
          : `On ${view.holdoutYears} sales the model never saw, ${formatPercent(view.holdoutCoverage)} of actual prices fell inside such an interval.`}
      </p>

      <div className="mt-4">
        <IntervalChart
          price={view.price}
          lower={view.lower}
          upper={view.upper}
          level={view.level}
          typical={nb?.typical}
          typicalLabel={nb ? (nb.cityWide ? "Ames typical" : `${nb.name} typical`) : undefined}
        />
      </div>

      {nb ? (
        <div
          className="mt-4 rounded-lg bg-slate-50 p-3 text-sm text-slate-700"
          data-testid="neighbourhood"
        >
          <p>
            <strong className="text-slate-900">
              {Math.abs(nb.relative) < 0.005
                ? "About the same as"
                : `${formatPercent(Math.abs(nb.relative))} ${nb.relative > 0 ? "above" : "below"}`}
            </strong>{" "}
            the typical {nb.cityWide ? "Ames" : nb.name} sale of {formatPrice(nb.typical, 1000)}.
          </p>
          <p className="mt-1 text-xs text-slate-600">
            Typical sale = the geometric mean of the model&apos;s {view.trainYears} training sales
            {nb.cityWide
              ? " in all of Ames (there were none in this neighbourhood)"
              : ` in ${nb.name}${nb.sales !== undefined ? ` (${formatInteger(nb.sales)} sales)` : ""}`}
            , pulled towards the city-wide figure when a neighbourhood has few sales. It is not
            adjusted for size or condition.
          </p>
        </div>
      ) : null}

      <EstimateFactors view={view} />
      <ComparableSales sales={view.comparables} />

      {view.imputed.length > 0 ? (
        <details className="mt-6 text-sm" data-testid="imputed">
          <summary className="cursor-pointer font-medium text-slate-800">
            {view.imputed.length} detail{view.imputed.length === 1 ? " was" : "s were"} not given
            and filled in from typical training homes
          </summary>
          <p className="mt-2 text-slate-700">{view.imputed.join(", ")}.</p>
        </details>
      ) : (
        <p className="mt-6 text-sm text-slate-700">
          Every detail was given; nothing was filled in.
        </p>
      )}

      <p className="mt-4 text-sm text-slate-700">
        <a
          href={shareHref}
          className="font-medium text-blue-700 underline hover:text-blue-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
          data-testid="share-link"
        >
          Link to this estimate
        </a>{" "}
        — the address holds the inputs, so anyone with it sees the same result.
      </p>
      <p className="mt-2 text-xs text-slate-600">Model version {view.modelVersion.slice(0, 12)}</p>
    </section>
  );
}
