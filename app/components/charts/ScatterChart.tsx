import { useId } from "react";
import { compactPrice, linearScale, logTicks } from "~/components/charts/scale";

// Predicted vs actual sale price on the holdout split, log axes (the model works in log
// price, and the prices span $35k–$750k), with the y = x line a perfect model would sit on.

const SIZE = 400;
const M = { left: 66, right: 12, top: 12, bottom: 42 };

export function ScatterChart({
  points,
  caption,
}: {
  points: readonly { actual: number; predicted: number }[];
  caption: string;
}) {
  const id = useId();
  const values = points.flatMap((p) => [p.actual, p.predicted]).filter((v) => v > 0);
  const lo = Math.min(...values) * 0.9;
  const hi = Math.max(...values) * 1.1;
  const x = linearScale([Math.log(lo), Math.log(hi)], [M.left, SIZE - M.right]);
  const y = linearScale([Math.log(lo), Math.log(hi)], [SIZE - M.bottom, M.top]);
  const X = (v: number) => x(Math.log(v));
  const Y = (v: number) => y(Math.log(v));
  const ticks = logTicks(lo, hi);
  return (
    <figure>
      <svg
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        className="mx-auto h-auto w-full max-w-md"
        role="img"
        aria-labelledby={`${id}-title`}
        data-testid="scatter-chart"
      >
        <title id={`${id}-title`}>{caption}</title>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={SIZE - M.right} y1={Y(t)} y2={Y(t)} stroke="#e2e8f0" />
            <line x1={X(t)} x2={X(t)} y1={M.top} y2={SIZE - M.bottom} stroke="#e2e8f0" />
            <text x={M.left - 6} y={Y(t) + 4} fontSize={11} fill="#475569" textAnchor="end">
              {compactPrice(t)}
            </text>
            <text
              x={X(t)}
              y={SIZE - M.bottom + 16}
              fontSize={11}
              fill="#475569"
              textAnchor="middle"
            >
              {compactPrice(t)}
            </text>
          </g>
        ))}
        <line x1={X(lo)} y1={Y(lo)} x2={X(hi)} y2={Y(hi)} stroke="#64748b" strokeDasharray="4 4" />
        {points.map((p, i) => (
          <circle
            key={i}
            cx={X(p.actual)}
            cy={Y(p.predicted)}
            r={2.5}
            fill="#1d4ed8"
            fillOpacity={0.45}
          />
        ))}
        <text
          x={(M.left + SIZE - M.right) / 2}
          y={SIZE - 6}
          fontSize={12}
          fill="#0f172a"
          textAnchor="middle"
        >
          Actual sale price
        </text>
        <text
          transform={`translate(13 ${(M.top + SIZE - M.bottom) / 2}) rotate(-90)`}
          fontSize={12}
          fill="#0f172a"
          textAnchor="middle"
        >
          Predicted price
        </text>
      </svg>
      <figcaption className="mt-2 text-sm text-slate-600">{caption}</figcaption>
    </figure>
  );
}
