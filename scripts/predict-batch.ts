// Offline batch scoring: `npm run predict -- --help`. See docs/batch-scoring.md.
// Exit codes: 0 done (per-row problems are in the error file), 2 bad arguments,
// 3 unreadable or unusable input, 4 model not loadable, 1 anything else.
import { parseBatchArgs, UsageError, USAGE } from "./batch/args";
import { ModelLoadError } from "./batch/model";
import { runMerge, runPredict } from "./batch/run";
import { InputError } from "./batch/source";

function humanSummary(r: Awaited<ReturnType<typeof runPredict>>): string {
  const n = (v: number) => v.toLocaleString("en-US");
  return [
    `scored ${n(r.scoredRows)} of ${n(r.rows)} rows (part ${r.part}, ${n(r.chunks)} chunks) with model ${r.model_version}`,
    `  predicted ${n(r.predicted)}, failed ${n(r.failedRows)} (${n(r.errorLines)} issues in ${r.errors})`,
    `  ${r.seconds.toFixed(1)} s, ${n(r.rows_per_second)} rows/s, max RSS ${r.max_rss_mb} MB → ${r.output}`,
  ].join("\n");
}

async function main(): Promise<number> {
  // stdout carries the job's one summary line: log only problems unless asked for more.
  process.env.LOG_LEVEL ||= "warn";
  // Offline scoring has no live window to feed: the scoring threads (which read this at start)
  // skip the monitor's per-row bin codes, which nothing here would read.
  process.env.MONITOR_ENABLED = "false";
  let args;
  try {
    args = parseBatchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`predict: ${error.message}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    return error.message ? 2 : 0;
  }
  try {
    if (args.command === "merge") {
      const report = await runMerge(args);
      process.stderr.write(
        `merged ${report.rows.toLocaleString("en-US")} rows → ${report.output}\n`,
      );
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const report = await runPredict(args);
    process.stderr.write(`${humanSummary(report)}\n`);
    // One machine-readable line for orchestrators and log queries.
    process.stdout.write(`${JSON.stringify({ event: "batch_summary", ...report })}\n`);
    return 0;
  } catch (error) {
    const code = error instanceof InputError ? 3 : error instanceof ModelLoadError ? 4 : 1;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`predict: ${message}\n`);
    if (code === 1 && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
    return code;
  }
}

process.exitCode = await main();
