import { useId } from "react";
import { formatPrice } from "~/components/format";
import { linearScale } from "~/components/charts/scale";

// The estimate on a price line: the 90% interval as a band, the estimate as a dot and the
// neighbourhood's typical sale as a tick, so "how sure" and "compared to what" read at once.

const WIDTH = 320;
const HEIGHT = 78;
const PAD = 12;

export function IntervalChart({
  price,
  lower,
  upper,
  level,
  typical,
  typicalLabel,
}: {
  price: number;
  lower: number;
  upper: number;
  level: number;
  typical?: number;
  typicalLabel?: string;
}) {
  const id = useId();
  const lo = Math.min(lower, typical ?? lower);
  const hi = Math.max(upper, typical ?? upper);
  const span = hi - lo || hi || 1;
  const x = linearScale([lo - span * 0.06, hi + span * 0.06], [PAD, WIDTH - PAD]);
  const band = 40;
  const pct = Math.round(level * 100);
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      className="h-auto w-full"
      role="img"
      aria-labelledby={`${id}-title`}
      data-testid="interval-chart"
    >
      <title id={`${id}-title`}>
        {`Estimate ${formatPrice(price)}, ${pct}% interval ${formatPrice(lower)} to ${formatPrice(upper)}${
          typical ? `; ${typicalLabel ?? "typical sale"} ${formatPrice(typical)}` : ""
        }`}
      </title>
      <line x1={PAD} x2={WIDTH - PAD} y1={band} y2={band} stroke="#cbd5e1" strokeWidth={2} />
      <rect
        x={x(lower)}
        y={band - 7}
        width={Math.max(2, x(upper) - x(lower))}
        height={14}
        rx={7}
        fill="#bfdbfe"
      />
      {typical ? (
        <g>
          <line
            x1={x(typical)}
            x2={x(typical)}
            y1={band - 16}
            y2={band + 16}
            stroke="#334155"
            strokeWidth={2}
          />
          <text
            x={x(typical)}
            y={band - 20}
            fontSize={11}
            fill="#334155"
            textAnchor={
              x(typical) < WIDTH * 0.25 ? "start" : x(typical) > WIDTH * 0.75 ? "end" : "middle"
            }
          >
            {typicalLabel ?? "Typical sale"}
          </text>
        </g>
      ) : null}
      <circle cx={x(price)} cy={band} r={7} fill="#1d4ed8" stroke="#fff" strokeWidth={2} />
      <text x={x(lower)} y={band + 28} fontSize={12} fill="#1e3a8a" textAnchor="start">
        {formatPrice(lower, 1000)}
      </text>
      <text x={x(upper)} y={band + 28} fontSize={12} fill="#1e3a8a" textAnchor="end">
        {formatPrice(upper, 1000)}
      </text>
    </svg>
  );
}
