import type { ComparableView } from "~/routes/_index/trust-view";
import { formatInteger, formatPrice } from "~/components/format";

/**
 * Recent similar sales behind the estimate, as cards (they read on a phone without sideways
 * scrolling): each sale's price, that price adjusted for the differences from this home (as
 * an appraiser would), when and where it sold, and the home itself.
 */
export function ComparableSales({ sales }: { sales: readonly ComparableView[] }) {
  if (sales.length === 0) return null;
  return (
    <section aria-labelledby="comparables-title" className="mt-6" data-testid="comparables">
      <h3 id="comparables-title" className="font-semibold text-slate-900">
        Comparable sales
      </h3>
      <p className="mt-1 text-sm text-slate-600">
        Similar homes nearby from the sales the model learned from. The adjusted price is what each
        would have sold for with this home&apos;s details, by the model&apos;s own difference
        between the two.
      </p>
      <ol className="mt-3 space-y-3">
        {sales.map((c, i) => (
          <li
            key={i}
            className="rounded-lg border border-slate-200 p-3 text-sm"
            data-testid="comparable"
          >
            <dl className="grid grid-cols-2 gap-x-3 gap-y-1">
              <div>
                <dt className="text-xs text-slate-600">Sold for</dt>
                <dd className="font-semibold tabular-nums" data-testid="comparable-sale">
                  {formatPrice(c.salePrice, 100)}
                </dd>
              </div>
              <div>
                <dt className="text-xs text-slate-600">Adjusted to this home</dt>
                <dd
                  className="font-semibold tabular-nums text-blue-800"
                  data-testid="comparable-adjusted"
                >
                  {formatPrice(c.adjustedPrice, 100)}
                </dd>
              </div>
              <div className="col-span-2">
                <dt className="sr-only">When and where</dt>
                <dd className="text-slate-700">
                  {c.sold} · {c.neighbourhood} · {c.distanceKm.toFixed(1)} km away
                </dd>
              </div>
              <div className="col-span-2">
                <dt className="sr-only">The home</dt>
                <dd className="text-slate-700">
                  {formatInteger(c.livingArea)} sq ft · built {c.yearBuilt} · {c.beds} bed
                  {c.beds === 1 ? "" : "s"} · {c.baths} bath{c.baths === "1" ? "" : "s"}
                </dd>
              </div>
            </dl>
          </li>
        ))}
      </ol>
    </section>
  );
}
