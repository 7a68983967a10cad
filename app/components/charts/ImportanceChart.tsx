import { useId } from "react";
import type { ImportanceBar } from "~/routes/model/view";
import { formatPercent } from "~/components/format";
import { linearScale } from "~/components/charts/scale";

const WIDTH = 400;
const ROW = 26;
const LABEL_W = 130;
const VALUE_W = 48;

/** Horizontal bars: each factor's share of the model's total split gain. */
export function ImportanceChart({ bars }: { bars: readonly ImportanceBar[] }) {
  const id = useId();
  const height = bars.length * ROW + 6;
  const max = Math.max(0.01, ...bars.map((b) => b.share));
  const x = linearScale([0, max], [LABEL_W + 6, WIDTH - VALUE_W]);
  return (
    <figure>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="h-auto w-full"
        role="img"
        aria-labelledby={`${id}-title`}
        data-testid="importance-chart"
      >
        <title id={`${id}-title`}>
          {`Feature importance: ${bars
            .slice(0, 3)
            .map((b) => `${b.factor} ${formatPercent(b.share)}`)
            .join(", ")}${bars.length > 3 ? ", …" : ""}`}
        </title>
        {bars.map((b, i) => {
          const y = i * ROW;
          return (
            <g key={b.factor}>
              <text x={LABEL_W} y={y + ROW / 2 + 4} fontSize={12} fill="#0f172a" textAnchor="end">
                {b.factor}
              </text>
              <rect
                x={x(0)}
                y={y + 5}
                width={Math.max(1, x(b.share) - x(0))}
                height={ROW - 10}
                rx={2}
                fill="#1d4ed8"
              />
              <text x={x(b.share) + 4} y={y + ROW / 2 + 4} fontSize={12} fill="#1e3a8a">
                {formatPercent(b.share)}
              </text>
            </g>
          );
        })}
      </svg>
      <table className="sr-only">
        <caption>Share of total split gain per factor</caption>
        <tbody>
          {bars.map((b) => (
            <tr key={b.factor}>
              <th scope="row">{b.factor}</th>
              <td>{formatPercent(b.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
