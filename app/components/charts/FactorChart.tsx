import { useId } from "react";
import { OTHER_FACTORS, type FactorBar } from "~/components/charts/factors";
import { formatLogEffect } from "~/components/format";
import { linearScale } from "~/components/charts/scale";
import { textWidth } from "~/components/charts/label-layout";

// Diverging bars of the TreeSHAP factors. Bars are drawn in log-price units (what the model
// adds up), labelled as % effects on the price: +25% and −20% cancel out and look equal.

const WIDTH = 320;
const ROW = 30;
const TOP = 28;
const FONT = 12;
const PAD = 6;
// The label column is as wide as the longest label, within these bounds (longer ones are cut
// with an ellipsis; the screen-reader table below has every name in full).
const LABEL_MIN = 60;
const LABEL_MAX = 150;

const UP = "#1d4ed8"; // blue-700
const DOWN = "#c2410c"; // orange-700
const OTHER = "#64748b"; // slate-500

export function FactorChart({
  bars,
  title,
  summary,
  testId = "factor-chart",
}: {
  bars: readonly FactorBar[];
  title: string;
  summary: string;
  testId?: string;
}) {
  const id = useId();
  const height = TOP + bars.length * ROW + 8;
  const maxAbs = Math.max(0.01, ...bars.map((b) => Math.abs(b.log)));
  const labels = bars.map((b) =>
    fitText(b.factor === OTHER_FACTORS ? `${b.factor} (${b.count})` : b.factor, LABEL_MAX),
  );
  const labelW = Math.min(LABEL_MAX, Math.max(LABEL_MIN, ...labels.map((l) => textWidth(l, FONT))));
  const valueW = Math.max(...bars.map((b) => textWidth(formatLogEffect(b.log), FONT))) + 4;
  const x = linearScale([-maxAbs, maxAbs], [labelW + PAD, WIDTH - valueW - PAD]);
  const zero = x(0);

  return (
    <figure className="m-0">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="h-auto w-full"
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
        data-testid={testId}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <text x={labelW + PAD} y={14} fontSize={11} fill="#475569">
          ← lowers
        </text>
        <text x={WIDTH - valueW - PAD} y={14} fontSize={11} fill="#475569" textAnchor="end">
          raises →
        </text>
        <line x1={zero} x2={zero} y1={TOP - 8} y2={height - 4} stroke="#94a3b8" strokeWidth={1} />
        {bars.map((b, i) => {
          const y = TOP + i * ROW;
          const x0 = Math.min(zero, x(b.log));
          const w = Math.max(1, Math.abs(x(b.log) - zero));
          const color = b.factor === OTHER_FACTORS ? OTHER : b.log >= 0 ? UP : DOWN;
          const label = labels[i];
          return (
            <g key={b.factor} data-factor={b.factor}>
              <text x={labelW} y={y + ROW / 2 + 4} fontSize={FONT} fill="#0f172a" textAnchor="end">
                {label}
              </text>
              <rect x={x0} y={y + 6} width={w} height={ROW - 12} rx={2} fill={color} />
              <text
                x={WIDTH - 2}
                y={y + ROW / 2 + 4}
                fontSize={FONT}
                fontWeight={600}
                fill={color}
                textAnchor="end"
              >
                {formatLogEffect(b.log)}
              </text>
            </g>
          );
        })}
      </svg>
      {/* sr-only on a wrapper: a table ignores width: 1px and its content widened the page. */}
      <div className="sr-only">
        <table>
          <caption>{title}: effect of each factor on the estimate</caption>
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col">Effect on price</th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.factor}>
                <th scope="row">{b.factor}</th>
                <td>{formatLogEffect(b.log)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** The text, cut with an ellipsis to fit `width` at the chart's font size. */
function fitText(text: string, width: number): string {
  if (textWidth(text, FONT) <= width) return text;
  let cut = text;
  while (cut.length > 1 && textWidth(`${cut}…`, FONT) > width) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}
