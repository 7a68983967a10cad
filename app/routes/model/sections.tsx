// The analyst's tables of the model card (app/routes/model/card-view.ts shapes the data).
import { Card } from "~/components/PageShell";
import { ScrollRegion } from "~/components/ScrollRegion";
import { TableHead } from "~/components/TableHead";
import { formatInteger, formatPercent, yearsLabel } from "~/components/format";
import type { CardView } from "./card-view";

const CELL = "py-2 pr-3 text-right tabular-nums";
const ROWHEAD = "py-2 pr-3 text-left font-medium";
const pct = (v: number) => formatPercent(v / 100); // MAPE is stored in percent
const ci = (lo: string, hi: string) => (
  <span className="block text-xs text-slate-600">
    {lo}–{hi}
  </span>
);

export function AccuracySection({
  rows,
  level,
}: {
  rows: NonNullable<CardView["accuracy"]>;
  level: number;
}) {
  return (
    <Card title="Holdout accuracy with 95% intervals" id="accuracy">
      <p className="mt-1 text-sm text-slate-600">
        Scored once on the holdout sales. Under each number, its bootstrap 95% interval. Full
        records: every detail given; required fields only: the 12 the form asks for, the rest filled
        in. Normal sales exclude foreclosures, family and other non-market sales.
      </p>
      <ScrollRegion label="Table of holdout accuracy" className="mt-3" hint>
        <table className="w-full min-w-[30rem] text-sm" data-testid="accuracy-table">
          <TableHead
            columns={[
              "Records",
              "Sales",
              { label: "Sales (n)", numeric: true },
              { label: "RMSLE", numeric: true },
              { label: "Mean % error", numeric: true },
              { label: `${level}% coverage`, numeric: true },
            ]}
          />
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.records} ${r.sales}`} className="border-b border-slate-100 align-top">
                <th scope="row" className={ROWHEAD}>
                  {r.records}
                </th>
                <td className="py-2 pr-3">{r.sales}</td>
                <td className={CELL}>{formatInteger(r.n)}</td>
                <td className={CELL}>
                  {r.rmsle.toFixed(3)}
                  {ci(r.rmsleCi[0].toFixed(3), r.rmsleCi[1].toFixed(3))}
                </td>
                <td className={CELL}>
                  {pct(r.mape)}
                  {ci(pct(r.mapeCi[0]), pct(r.mapeCi[1]))}
                </td>
                <td className={CELL}>
                  {formatPercent(r.coverage)}
                  {ci(formatPercent(r.coverageCi[0]), formatPercent(r.coverageCi[1]))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </Card>
  );
}

export function BaselineSection({ baseline }: { baseline: NonNullable<CardView["baseline"]> }) {
  return (
    <Card title="Compared with a simple baseline" id="baseline">
      <p className="mt-1 text-sm text-slate-600">
        Baseline: {baseline.description}. Same holdout sales.
      </p>
      <ScrollRegion label="Table of the baseline comparison" className="mt-3">
        <table className="w-full text-sm" data-testid="baseline-table">
          <TableHead
            columns={[
              "Model",
              { label: "RMSLE", numeric: true },
              { label: "Mean % error", numeric: true },
              { label: "Mean abs. error", numeric: true },
              { label: "R²", numeric: true },
            ]}
          />
          <tbody>
            {baseline.rows.map((r) => (
              <tr key={r.name} className="border-b border-slate-100">
                <th scope="row" className={ROWHEAD}>
                  {r.name}
                </th>
                <td className={CELL}>{r.rmsle.toFixed(3)}</td>
                <td className={CELL}>{pct(r.mape)}</td>
                <td className={CELL}>{r.mae === undefined ? "—" : `$${formatInteger(r.mae)}`}</td>
                <td className={CELL}>{r.r2 === undefined ? "—" : r.r2.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </Card>
  );
}

export function SegmentsSection({
  tables,
  level,
}: {
  tables: NonNullable<CardView["segments"]>;
  level: number;
}) {
  return (
    <Card title="Accuracy and coverage by segment (holdout)" id="segments">
      <p className="mt-1 text-sm text-slate-600">
        Where the model does well and where it does not: per segment, records as given and with only
        the required fields. Small segments (n under 30) are noisy.
      </p>
      {tables.map((t) => (
        <div key={t.segment} className="mt-4">
          <h3 className="font-semibold text-slate-900">{t.title}</h3>
          <ScrollRegion
            label={`Table of accuracy by ${t.title.toLowerCase()}`}
            className="mt-2"
            hint
          >
            <table className="w-full min-w-[36rem] text-sm" data-testid={`segment-${t.segment}`}>
              <thead className="text-xs uppercase text-slate-600">
                <tr>
                  <th scope="col" rowSpan={2} className="py-1 pr-3 text-left align-bottom">
                    Segment
                  </th>
                  <th scope="col" rowSpan={2} className="py-1 pr-3 text-right align-bottom">
                    n
                  </th>
                  <th scope="colgroup" colSpan={3} className="py-1 pr-3 text-center">
                    As given
                  </th>
                  <th scope="colgroup" colSpan={3} className="py-1 text-center">
                    Required fields only
                  </th>
                </tr>
                <tr className="border-b border-slate-200">
                  {["RMSLE", "% error", `${level}% cov.`, "RMSLE", "% error", `${level}% cov.`].map(
                    (h, i) => (
                      <th key={i} scope="col" className="py-1 pr-3 text-right">
                        {h}
                      </th>
                    ),
                  )}
                </tr>
              </thead>
              <tbody>
                {t.rows.map((r) => (
                  <tr key={r.value} className="border-b border-slate-100">
                    <th scope="row" className={ROWHEAD}>
                      {r.value}
                    </th>
                    <td className={CELL}>{formatInteger(r.n)}</td>
                    <td className={CELL}>{r.given.rmsle.toFixed(3)}</td>
                    <td className={CELL}>{pct(r.given.mape)}</td>
                    <td className={CELL}>{formatPercent(r.given.coverage)}</td>
                    <td className={CELL}>{r.required ? r.required.rmsle.toFixed(3) : "—"}</td>
                    <td className={CELL}>{r.required ? pct(r.required.mape) : "—"}</td>
                    <td className={CELL}>
                      {r.required ? formatPercent(r.required.coverage) : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </div>
      ))}
    </Card>
  );
}

export function CalibrationSection({
  rows,
  level,
}: {
  rows: NonNullable<CardView["calibration"]>;
  level: number;
}) {
  return (
    <Card title="Interval calibration" id="calibration">
      <p className="mt-1 text-sm text-slate-600">
        Share of actual prices inside the {level}% interval, by the calibration group each estimate
        used (how much was given; typical or atypical sale). Widened: estimates whose interval was
        widened because few similar training homes exist. Width: mean upper ÷ lower bound.
      </p>
      <ScrollRegion label="Table of interval calibration" className="mt-3" hint>
        <table className="w-full min-w-[32rem] text-sm" data-testid="calibration-table">
          <TableHead
            columns={[
              "Records",
              "Group",
              { label: "n", numeric: true },
              { label: "Coverage", numeric: true },
              { label: "Widened", numeric: true },
              { label: "Width", numeric: true },
            ]}
          />
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.records} ${r.group}`} className="border-b border-slate-100">
                <th scope="row" className={ROWHEAD}>
                  {r.records}
                </th>
                <td className="py-2 pr-3">{r.group}</td>
                <td className={CELL}>{formatInteger(r.n)}</td>
                <td className={CELL}>{formatPercent(r.coverage)}</td>
                <td className={CELL}>{r.widened === undefined ? "—" : formatInteger(r.widened)}</td>
                <td className={CELL}>{r.ratio === undefined ? "—" : `×${r.ratio.toFixed(2)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </Card>
  );
}

export function BacktestSection({ backtest }: { backtest: NonNullable<CardView["backtest"]> }) {
  return (
    <Card title="Backtest: how the model was chosen" id="backtest">
      <p className="mt-1 text-sm text-slate-600">{backtest.protocol}</p>
      <ScrollRegion label="Table of backtest folds" className="mt-3" hint>
        <table className="w-full min-w-[36rem] text-sm" data-testid="backtest-table">
          <TableHead
            columns={[
              "Fitted on",
              "Tested on",
              { label: "Fit sales", numeric: true },
              { label: "Full RMSLE", numeric: true },
              { label: "Full % err.", numeric: true },
              { label: "Required RMSLE", numeric: true },
              { label: "Required % err.", numeric: true },
              { label: "Normal RMSLE", numeric: true },
            ]}
          />
          <tbody>
            {backtest.folds.map((f) => (
              <tr key={yearsLabel(f.test)} className="border-b border-slate-100">
                <th scope="row" className={ROWHEAD}>
                  {yearsLabel(f.fit)}
                </th>
                <td className="py-2 pr-3">{yearsLabel(f.test)}</td>
                <td className={CELL}>{formatInteger(f.rows)}</td>
                <td className={CELL}>{f.full.rmsle.toFixed(3)}</td>
                <td className={CELL}>{pct(f.full.mape)}</td>
                <td className={CELL}>{f.required.rmsle.toFixed(3)}</td>
                <td className={CELL}>{pct(f.required.mape)}</td>
                <td className={CELL}>{f.normal.rmsle.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <h3 className="mt-4 font-semibold text-slate-900">Candidates (lower score is better)</h3>
      <ul className="mt-2 space-y-1 text-sm text-slate-700" data-testid="candidates">
        {backtest.candidates.map((c) => (
          <li key={c.name}>
            <span className="font-medium">{c.name}</span>
            {c.name === backtest.chosen ? (
              <span className="ml-2 rounded bg-green-100 px-1.5 py-0.5 text-xs text-green-900">
                chosen
              </span>
            ) : null}{" "}
            — {c.description}: <span className="tabular-nums">{c.score.toFixed(4)}</span>
          </li>
        ))}
      </ul>
      <p className="mt-2 text-xs text-slate-600">
        Rule: {backtest.rule}. Trees: {formatInteger(backtest.rounds)} rounds, chosen on the
        backtest.
      </p>
    </Card>
  );
}

export function ChecksSection({
  comparables,
  monotonicity,
}: {
  comparables: CardView["comparables"];
  monotonicity: CardView["monotonicity"];
}) {
  const failed = monotonicity?.filter((m) => m.drops > 0) ?? [];
  return (
    <Card title="Checks on the holdout" id="checks">
      {comparables && comparables.rows.length > 0 ? (
        <>
          <h3 className="mt-2 font-semibold text-slate-900">Comparable sales</h3>
          <p className="mt-1 text-sm text-slate-600">{comparables.description}</p>
          <ul className="mt-2 space-y-1 text-sm text-slate-700" data-testid="comparables-check">
            {comparables.rows.map((r) => (
              <li key={r.records}>
                {r.records}: comparables for {formatInteger(r.homes)} of {formatInteger(r.of)}{" "}
                homes; mean |log error| {r.raw.toFixed(3)} raw → {r.adjusted.toFixed(3)} adjusted;
                the adjusted price is closer for {formatInteger(r.closer)} homes.
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {monotonicity ? (
        <>
          <h3 className="mt-4 font-semibold text-slate-900">More is never cheaper</h3>
          <p className="mt-1 text-sm text-slate-700" data-testid="monotonicity-check">
            {monotonicity.length} changes (e.g. {monotonicity[0]?.change}), each on every holdout
            home, all else equal:{" "}
            {failed.length === 0
              ? "no estimate went down."
              : `the estimate went down for ${failed.map((f) => `${f.change} (${f.drops} homes)`).join(", ")}.`}
          </p>
        </>
      ) : null}
    </Card>
  );
}
