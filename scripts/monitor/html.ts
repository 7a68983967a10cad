import type { ModelDrift, Report } from "./analyse";

// The offline report as one self-contained HTML page: inline CSS and SVG charts, no scripts,
// no requests, so it can be mailed or attached to a ticket.

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
const num = (x: number | null, digits = 3) => (x === null ? "–" : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

/** Horizontal PSI bars, one per field, with the threshold as a red line. */
function driftChart(model: ModelDrift, threshold: number): string {
  const features = [...(model.drift?.features ?? [])].sort(
    (a, b) => Number(b.watched) - Number(a.watched) || (b.psi ?? 0) - (a.psi ?? 0),
  );
  const scale = Math.min(
    Math.max(2 * threshold, ...features.map((f) => f.psi ?? 0)),
    10 * threshold,
  );
  const row = 18;
  const label = 170;
  const width = 640;
  const plot = width - label - 60;
  const x = (v: number) => label + Math.min(1, v / scale) * plot;
  const bars = features
    .map((f, i) => {
      const y = i * row;
      const fill = f.drifted ? "#dc2626" : f.watched ? "#2563eb" : "#94a3b8";
      return (
        `<text x="${label - 6}" y="${y + 13}" text-anchor="end">${esc(f.name)}</text>` +
        `<rect x="${label}" y="${y + 3}" width="${x(f.psi ?? 0) - label}" height="${row - 6}" fill="${fill}"/>` +
        `<text x="${x(f.psi ?? 0) + 4}" y="${y + 13}">${num(f.psi)}</text>`
      );
    })
    .join("");
  const height = features.length * row;
  return (
    `<svg viewBox="0 0 ${width} ${height + 4}" role="img" aria-label="PSI per field">${bars}` +
    `<line x1="${x(threshold)}" x2="${x(threshold)}" y1="0" y2="${height}" stroke="#b91c1c" stroke-dasharray="4 3"/></svg>`
  );
}

/** Reference vs live shares of one field's bins. */
function histogramChart(h: ModelDrift["histograms"][number]): string {
  const width = 300;
  const height = 120;
  const n = h.labels.length;
  const band = width / n;
  const top = Math.max(...h.reference, ...h.live, 0.01);
  const bar = (share: number, i: number, dx: number, fill: string) => {
    const barHeight = (share / top) * (height - 20);
    return `<rect x="${i * band + dx}" y="${height - 20 - barHeight}" width="${band / 2 - 1}" height="${barHeight}" fill="${fill}"><title>${esc(h.labels[i])}: ${pct(share)}</title></rect>`;
  };
  const bars = h.labels
    .map((_, i) => bar(h.reference[i], i, 0, "#94a3b8") + bar(h.live[i], i, band / 2, "#2563eb"))
    .join("");
  return `<figure><figcaption>${esc(h.name)}</figcaption><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(h.name)} bins">${bars}<text x="0" y="${height - 4}">grey: training · blue: logged</text></svg></figure>`;
}

function volumeChart(days: Report["by_day"]): string {
  if (days.length === 0) return "<p>No predictions in the period.</p>";
  const width = 640;
  const height = 120;
  const band = width / days.length;
  const top = Math.max(...days.map((d) => d.predictions));
  const bars = days
    .map((d, i) => {
      const h = (d.predictions / top) * (height - 20);
      return `<rect x="${i * band + 1}" y="${height - 20 - h}" width="${Math.max(1, band - 2)}" height="${h}" fill="#2563eb"><title>${d.day}: ${d.predictions}</title></rect>`;
    })
    .join("");
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Predictions per day">${bars}<text x="0" y="${height - 4}">${days[0].day}</text><text x="${width}" y="${height - 4}" text-anchor="end">${days.at(-1)!.day}</text></svg>`;
}

function modelSection(model: ModelDrift, threshold: number): string {
  if (!model.reference || !model.drift) {
    return `<section><h2>Model ${esc(model.model_version)}</h2><p class="warn">No reference: the bundle is not available here or carries no training statistics, so drift is not measured.</p></section>`;
  }
  const drifted = model.drift.features.filter((f) => f.drifted);
  const shown = new Set([
    ...drifted.map((f) => f.name),
    ...[...model.drift.features]
      .filter((f) => f.watched)
      .sort((a, b) => (b.psi ?? 0) - (a.psi ?? 0))
      .slice(0, 6)
      .map((f) => f.name),
  ]);
  return `<section><h2>Model ${esc(model.model_version)}</h2>
<p>${model.drift.rows.toLocaleString("en-US")} logged predictions · ${
    drifted.length
      ? `<strong class="bad">${drifted.length} drifted: ${drifted.map((f) => esc(f.name)).join(", ")}</strong>`
      : "no field drifted"
  } · predicted price PSI ${num(model.drift.prediction.psi)} · threshold ${threshold}</p>
${driftChart(model, threshold)}
<h3>Bins of the most shifted fields</h3><div class="grid">${model.histograms
    .filter((h) => shown.has(h.name))
    .map(histogramChart)
    .join("")}</div></section>`;
}

export function renderHtml(report: Report): string {
  const p = report.performance;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Model monitoring report</title><style>
body{font:14px/1.45 system-ui,sans-serif;color:#0f172a;max-width:980px;margin:0 auto;padding:16px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}svg{width:100%;height:auto;font-size:11px}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
dl div{border:1px solid #e2e8f0;border-radius:8px;padding:8px}dt{color:#475569}dd{margin:0;font-size:18px;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}figure{margin:0}
.bad{color:#b91c1c}.warn{background:#fef3c7;padding:8px;border-radius:6px}
</style></head><body>
<h1>Model monitoring report</h1>
<p>Prediction log <code>${esc(report.capture)}</code> · ${report.files} files · period ${esc(report.period.first ?? "–")} to ${esc(report.period.last ?? "–")} · generated ${esc(report.generated_at)}</p>
<h2>Accuracy on sold homes</h2>
<dl><div><dt>Labelled</dt><dd>${p.labelled.toLocaleString("en-US")}</dd></div><div><dt>RMSLE</dt><dd>${num(p.rmsle)}</dd></div>
<div><dt>Mean % error</dt><dd>${p.mape === null ? "–" : `${p.mape.toFixed(1)}%`}</dd></div><div><dt>Interval coverage</dt><dd>${pct(p.coverage)}</dd></div>
<div><dt>Sale prices without a logged prediction</dt><dd>${p.unmatched.toLocaleString("en-US")}</dd></div></dl>
<h2>Predictions per day</h2>${volumeChart(report.by_day)}
${report.models.map((m) => modelSection(m, report.threshold)).join("\n")}
</body></html>
`;
}
