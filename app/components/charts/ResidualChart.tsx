import { useId } from "react";
import { compactPrice, linearScale, logTicks } from "~/components/charts/scale";

// Residuals (log actual − log predicted) against a horizontal axis: the predicted price (log
// scale) or the month of sale. A model without bias scatters evenly around the zero line; a
// trend shows where it under- or over-prices. Backtest years and the holdout in two colours.

const W = 400;
const H = 260;
const M = { left: 44, right: 10, top: 10, bottom: 40 };
const COLORS: Record<string, string> = { backtest: "#64748b", holdout: "#1d4ed8" };
const LIMIT = 0.8; // residuals beyond ±0.8 (a factor of 2.2) are drawn at the edge

export type ResidualDot = { split: string; x: number; residual: number };

export function ResidualChart({
  dots,
  axis,
  caption,
  testId,
}: {
  dots: readonly ResidualDot[];
  axis: { kind: "price" } | { kind: "month"; labels: { at: number; text: string }[] };
  caption: string;
  testId: string;
}) {
  const id = useId();
  const xs = dots.map((d) => d.x);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const log = axis.kind === "price";
  const f = (v: number) => (log ? Math.log(v) : v);
  const pad = log ? 0.05 : 0.5;
  const x = linearScale([f(lo) - pad, f(hi) + pad], [M.left, W - M.right]);
  const X = (v: number) => x(f(v));
  const y = linearScale([-LIMIT, LIMIT], [H - M.bottom, M.top]);
  const clamp = (r: number) => Math.max(-LIMIT, Math.min(LIMIT, r));
  const xTicks =
    axis.kind === "price"
      ? logTicks(lo, hi).map((t) => ({ at: t, text: compactPrice(t) }))
      : axis.labels;
  const splits = [...new Set(dots.map((d) => d.split))];
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="h-auto w-full"
        role="img"
        aria-labelledby={`${id}-title`}
        data-testid={testId}
      >
        <title id={`${id}-title`}>{caption}</title>
        {[-0.6, -0.3, 0, 0.3, 0.6].map((t) => (
          <g key={t}>
            <line
              x1={M.left}
              x2={W - M.right}
              y1={y(t)}
              y2={y(t)}
              stroke={t === 0 ? "#334155" : "#e2e8f0"}
            />
            <text x={M.left - 4} y={y(t) + 4} fontSize={10} fill="#475569" textAnchor="end">
              {t > 0 ? `+${t}` : t === 0 ? "0" : `−${-t}`}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text
            key={t.text}
            x={X(t.at)}
            y={H - M.bottom + 14}
            fontSize={10}
            fill="#475569"
            textAnchor="middle"
          >
            {t.text}
          </text>
        ))}
        {dots.map((d, i) => (
          <circle
            key={i}
            cx={X(d.x)}
            cy={y(clamp(d.residual))}
            r={1.8}
            fill={COLORS[d.split] ?? "#0f172a"}
            fillOpacity={d.split === "holdout" ? 0.6 : 0.3}
          />
        ))}
        <text
          x={(M.left + W - M.right) / 2}
          y={H - 6}
          fontSize={11}
          fill="#0f172a"
          textAnchor="middle"
        >
          {axis.kind === "price" ? "Predicted price" : "Month of sale"}
        </text>
      </svg>
      <figcaption className="mt-2 text-sm text-slate-600">
        {caption}{" "}
        {splits.map((s) => (
          <span key={s} className="mr-2 inline-flex items-center gap-1">
            <span
              aria-hidden="true"
              // A class, not a style attribute: the CSP allows no inline styles.
              className={`inline-block h-2 w-2 rounded-full ${s === "holdout" ? "bg-blue-700" : "bg-slate-500"}`}
            />
            {s === "holdout" ? "holdout" : "backtest"}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
