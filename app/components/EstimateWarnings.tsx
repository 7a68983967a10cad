import type { EstimateView } from "~/routes/_index/view";

/** The estimate's warnings, next to the price: what is unusual and why the range is wider. */
export function EstimateWarnings({ view }: { view: EstimateView }) {
  if (view.warnings.length === 0 && view.widened.length === 0) return null;
  return (
    <div
      className="mt-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950"
      data-testid="estimate-warnings"
    >
      <p className="font-semibold">Treat this estimate with care</p>
      {view.warnings.length > 0 ? (
        <ul className="mt-1 list-disc space-y-1 pl-5">
          {view.warnings.map((w) => (
            <li key={`${w.field} ${w.code}`} data-warning={w.code}>
              {w.message}
            </li>
          ))}
        </ul>
      ) : null}
      {view.widened.length > 0 ? (
        <p className="mt-2" data-testid="interval-widened">
          The range is wider than usual because {joinClauses(view.widened)}.
        </p>
      ) : null}
    </div>
  );
}

function joinClauses(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}
