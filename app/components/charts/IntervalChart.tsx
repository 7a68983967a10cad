import { useId } from "react";
import { formatPrice } from "~/components/format";
import { linearScale } from "~/components/charts/scale";
import { clampLabel, intervalLabels, textWidth } from "~/components/charts/label-layout";

// The estimate on a price line: the 90% interval as a band, the estimate as a dot and the
// neighbourhood's typical sale as a tick, so "how sure" and "compared to what" read at once.
// Labels are laid out by label-layout.ts so they never overlap, whatever the inputs.

const WIDTH = 320;
const HEIGHT = 78;
const PAD = 12;
const TYPICAL_FONT = 11;
const END_FONT = 12;

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
  const bounds = [2, WIDTH - 2] as const;
  // A long neighbourhood name that cannot fit falls back to a generic label.
  const typicalName =
    typicalLabel && textWidth(typicalLabel, TYPICAL_FONT) <= bounds[1] - bounds[0]
      ? typicalLabel
      : "Typical sale";
  const typicalText = clampLabel(typicalName, typical ? x(typical) : 0, TYPICAL_FONT, bounds);
  const ends = intervalLabels(
    { text: formatPrice(lower, 1000), x: x(lower) },
    { text: formatPrice(upper, 1000), x: x(upper) },
    END_FONT,
    bounds,
  );
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
            x={typicalText.x}
            y={band - 20}
            fontSize={TYPICAL_FONT}
            fill="#334155"
            textAnchor={typicalText.anchor}
          >
            {typicalText.text}
          </text>
        </g>
      ) : null}
      <circle cx={x(price)} cy={band} r={7} fill="#1d4ed8" stroke="#fff" strokeWidth={2} />
      {ends.map((label) => (
        <text
          key={label.text}
          x={label.x}
          y={band + 28}
          fontSize={END_FONT}
          fill="#1e3a8a"
          textAnchor={label.anchor}
        >
          {label.text}
        </text>
      ))}
    </svg>
  );
}
