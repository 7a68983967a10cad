import { json, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatInteger, formatPercent } from "~/components/format";
import { Card, Notice, PageShell } from "~/components/PageShell";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { monitoringReport } from "~/inference/monitor/view.server";
import { driftBars, recalibrationText, type DriftBar } from "./view";

// /monitoring: this server's drift window (a bar per input field, PSI against the training
// data) and the live accuracy from reported sale prices. docs/monitoring.md.

export const meta: MetaFunction = () => [{ title: "Monitoring · Ames Housing Price Estimator" }];

export function loader() {
  const report = monitoringReport();
  return json({ report, ...driftBars(report) }, { headers: { "Cache-Control": "no-store" } });
}

const psiText = (psi: number | null) => (psi === null ? "–" : psi.toFixed(3));

function Bar({ bar, scale, threshold }: { bar: DriftBar; scale: number; threshold: number }) {
  const tone = bar.drifted ? "fill-red-600" : bar.watched ? "fill-blue-600" : "fill-slate-400";
  return (
    <li className="py-1.5" data-testid="drift-bar" data-field={bar.name} data-drifted={bar.drifted}>
      <div className="flex items-baseline justify-between gap-2 text-sm">
        <span className="min-w-0 break-all font-medium">
          {bar.name}
          {bar.drifted ? <span className="ml-2 text-red-700">drifted</span> : null}
          {!bar.watched ? <span className="ml-2 text-slate-500">(sale date)</span> : null}
        </span>
        <span className="shrink-0 tabular-nums text-slate-700">PSI {psiText(bar.psi)}</span>
      </div>
      {/* SVG attributes, not inline styles: the page's CSP allows no style attributes. */}
      <svg
        className="mt-1 block h-2.5 w-full"
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${bar.name}: PSI ${psiText(bar.psi)}`}
      >
        <rect width="100" height="10" rx="1" className="fill-slate-100" />
        <rect width={bar.width * 100} height="10" rx="1" className={tone} />
        <rect
          x={Math.min(1, threshold / scale) * 100 - 0.2}
          width="0.4"
          height="10"
          className="fill-red-700"
        />
      </svg>
      {bar.missingShare > 0 || bar.outOfRangeShare > 0 ? (
        <p className="mt-0.5 text-xs text-slate-600">
          {bar.missingShare > 0 ? `${formatPercent(bar.missingShare)} missing (imputed)` : ""}
          {bar.missingShare > 0 && bar.outOfRangeShare > 0 ? " · " : ""}
          {bar.outOfRangeShare > 0 ? `${formatPercent(bar.outOfRangeShare)} outside training` : ""}
        </p>
      ) : null}
    </li>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 p-3">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export default function MonitoringPage() {
  const { report, bars, scale } = useLoaderData<typeof loader>();
  const { window, performance: p } = report;
  const drifted = bars.filter((b) => b.drifted);
  return (
    <PageShell>
      <div className="max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Monitoring</h1>
        <p className="mt-2 text-slate-700">
          Are the homes people ask about like the sales the model learned from, and are its
          estimates right once the homes sell? This page shows this server&apos;s last{" "}
          {formatInteger(window.capacity)} estimates; the whole fleet is in Prometheus and the
          prediction log.
        </p>
        <p className="mt-2 text-sm">
          <Link to="/monitoring" className="font-medium text-blue-700 underline">
            Refresh
          </Link>
        </p>
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-[2fr_1fr]">
        <Card title="Drift by field" id="drift" className="order-2 lg:order-1">
          {!report.reference.available ? (
            <div className="mt-3">
              <Notice tone="warning" title="No reference">
                {report.reference.detail}
              </Notice>
            </div>
          ) : (
            <>
              <p className="mt-2 text-sm text-slate-700" data-testid="drift-summary">
                {formatInteger(window.rows)} recent rows ·{" "}
                {drifted.length === 0
                  ? "no field drifted"
                  : `${drifted.length} drifted: ${drifted.map((b) => b.name).join(", ")}`}{" "}
                · PSI above {window.threshold} (red line) counts as drifted · predicted price PSI{" "}
                {psiText(report.prediction.psi)}
              </p>
              <ul className="mt-3 divide-y divide-slate-100" data-testid="drift-bars">
                {bars.map((bar) => (
                  <Bar key={bar.name} bar={bar} scale={scale} threshold={window.threshold} />
                ))}
              </ul>
            </>
          )}
        </Card>

        <Card title="Live accuracy" id="accuracy" className="order-1 self-start lg:order-2">
          <p className="mt-2 text-sm text-slate-700">
            From sale prices reported with <code className="text-xs">POST /api/v1/feedback</code>.
          </p>
          <dl className="mt-3 grid grid-cols-2 gap-3">
            <Stat label="Labelled" value={formatInteger(p.labelled)} testId="live-labelled" />
            <Stat
              label="RMSLE"
              value={p.rmsle === null ? "–" : p.rmsle.toFixed(3)}
              testId="live-rmsle"
            />
            <Stat
              label="Mean % error"
              value={p.mape === null ? "–" : `${p.mape.toFixed(1)}%`}
              testId="live-mape"
            />
            <Stat
              label="Interval coverage"
              value={p.coverage === null ? "–" : formatPercent(p.coverage)}
              testId="live-coverage"
            />
          </dl>
          <p className="mt-3 text-sm text-slate-600" data-testid="recalibration">
            {recalibrationText(report.recalibration)}
          </p>
        </Card>
      </div>
    </PageShell>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
