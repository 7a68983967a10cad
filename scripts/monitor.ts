// `npm run monitor -- --capture <folder|s3://bucket/prefix/> [--actuals sales.csv]`: the
// offline drift and accuracy report over the prediction log (CAPTURE_URI) for any period,
// with the statistics code the server uses (app/monitoring/). Writes report.json and a
// self-contained report.html. The fleet view: every task writes to the same log.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { loadModelSettings } from "~/lib/config.server";
import { createS3Client } from "~/lib/s3-client.server";
import type { CapturedFeedback, CapturedPrediction } from "~/inference/monitor/lines";
import { createProgress } from "./batch/progress";
import { readActuals } from "./monitor/actuals";
import { Analysis, localReferences } from "./monitor/analyse";
import { renderHtml } from "./monitor/html";
import { listLogFiles } from "./monitor/log-files";

const USAGE = `Usage:
  npm run monitor -- --capture <folder|s3://bucket/prefix/> [--actuals sales.csv]
                     [--from 2026-11-01] [--to 2026-12-01] [--out monitoring-report]
                     [--models models] [--threshold 0.25] [--progress auto|always|never]

  --actuals    CSV with prediction_id,sale_price (joined with the logged predictions, after
               the feedback events in the log)
  --from/--to  ISO dates or date-times: only predictions and feedback logged in [from, to)
  --models     local folder of bundles (<version>/manifest.json): the training reference`;

class UsageError extends Error {}

function args() {
  const { values } = parseArgs({
    options: {
      capture: { type: "string" },
      actuals: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      out: { type: "string", default: "monitoring-report" },
      models: { type: "string", default: process.env.MODEL_URI ?? "models" },
      threshold: { type: "string", default: process.env.MONITOR_PSI_THRESHOLD ?? "0.25" },
      progress: { type: "string", default: "auto" },
      help: { type: "boolean" },
    },
  });
  if (values.help) throw new UsageError("");
  if (!values.capture) throw new UsageError("--capture is required");
  for (const key of ["from", "to"] as const) {
    const v = values[key];
    if (v !== undefined && Number.isNaN(Date.parse(v)))
      throw new UsageError(`--${key} "${v}" is not an ISO date`);
  }
  const threshold = Number(values.threshold);
  if (!(threshold > 0))
    throw new UsageError(`--threshold "${values.threshold}" must be a positive number`);
  if (!["auto", "always", "never"].includes(values.progress!))
    throw new UsageError("--progress must be auto, always or never");
  if (values.models!.startsWith("s3://"))
    throw new UsageError("--models must be a local folder (download the bundle first)");
  return {
    ...values,
    capture: values.capture,
    from: values.from ? new Date(values.from).toISOString() : null,
    to: values.to ? new Date(values.to).toISOString() : null,
    threshold,
    progress: values.progress as "auto" | "always" | "never",
  };
}

async function main() {
  const a = args();
  let client: S3Client | undefined;
  const s3 = () => (client ??= createS3Client(loadModelSettings()));
  const files = await listLogFiles(a.capture, s3);
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  const progress = createProgress(a.progress, totalBytes);
  const analysis = new Analysis(localReferences(path.resolve(a.models!)));
  const inPeriod = (time: string) => (!a.from || time >= a.from) && (!a.to || time < a.to);
  let bytes = 0;
  let rows = 0;
  let badLines = 0;
  for (const [i, file] of files.entries()) {
    const raw = await file.open();
    raw.on("data", (chunk: Buffer) => (bytes += chunk.length));
    const lines = createInterface({ input: raw.pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      let event: CapturedPrediction | CapturedFeedback;
      try {
        event = JSON.parse(line);
      } catch {
        badLines++;
        continue;
      }
      rows++;
      if (!inPeriod(event.time)) continue;
      if (event.type === "prediction") await analysis.addPrediction(event);
      else if (event.type === "feedback") analysis.addFeedback(event);
      progress.update({ bytes, rows, scoredRows: rows, chunks: i });
    }
  }
  progress.done();
  const actualsFrom = ["prediction log"];
  if (a.actuals) {
    for (const [id, price] of await readActuals(a.actuals)) analysis.actuals.set(id, price);
    actualsFrom.push(a.actuals);
  }
  const report = await analysis.report({
    capture: a.capture,
    files: files.length,
    threshold: a.threshold,
    from: a.from,
    to: a.to,
    actualsFrom,
  });
  const out = path.resolve(a.out!);
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(out, "report.html"), renderHtml(report));
  const drifted = report.models.flatMap(
    (m) => m.drift?.features.filter((f) => f.drifted).map((f) => f.name) ?? [],
  );
  process.stdout.write(
    `${report.predictions} predictions from ${files.length} files${badLines ? ` (${badLines} unreadable lines skipped)` : ""}; ` +
      `drifted: ${drifted.length ? drifted.join(", ") : "none"}; labelled ${report.performance.labelled}` +
      (report.performance.rmsle === null ? "" : `, RMSLE ${report.performance.rmsle.toFixed(4)}`) +
      `\nwrote ${path.join(out, "report.json")} and report.html\n`,
  );
}

main().catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message ? `${error.message}\n\n` : ""}${USAGE}\n`);
    process.exit(error.message ? 2 : 0);
  }
  process.stderr.write(`monitor: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
