import type { S3Client } from "@aws-sdk/client-s3";
import type { ModelSettings } from "~/lib/config.server";
import type { MergeArgs, PredictArgs } from "./args";
import { parseLocation } from "./location";
import { mergeParts } from "./merge";
import { batchModelSettings, loadBatchModel, releaseBatchModel, predictChunk } from "./model";
import { createProgress } from "./progress";
import { predictCsv, type PredictSummary } from "./predict-csv";
import { openSink, type Sink } from "./sink";
import { openSource, type LazyS3 } from "./source";

// The two commands, wired from the modules: score (input → output + errors) and merge.

export type PredictReport = PredictSummary & {
  input: string;
  output: string;
  errors: string;
  part: string;
  model_version: string;
  seconds: number;
  /** Time after the model was loaded: what rows_per_second is computed from. */
  scoring_seconds: number;
  rows_per_second: number;
  max_rss_mb: number;
};

/** The S3 client, made on first use: the AWS SDK loads only for an s3:// location (./s3). */
function lazyS3(config: ModelSettings): LazyS3 {
  let client: Promise<S3Client> | undefined;
  return () => (client ??= import("./s3").then(({ createS3Client }) => createS3Client(config)));
}

async function commitAll(sinks: Sink[], work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    await Promise.all(sinks.map((s) => s.abort()));
    throw error;
  }
  for (const s of sinks) await s.commit();
}

export async function runPredict(args: PredictArgs): Promise<PredictReport> {
  const started = Date.now();
  const settings = batchModelSettings(args.model);
  const s3 = lazyS3(settings);
  const inputLoc = parseLocation(args.input);
  const outputLoc = parseLocation(args.output);
  const errorsLoc = parseLocation(args.errors);

  const model = await loadBatchModel(settings);
  const scoringStarted = Date.now();
  const source = await openSource(inputLoc, s3);
  const output = await openSink(outputLoc, s3);
  const errors = await openSink(errorsLoc, s3);
  const progress = createProgress(args.progress, source.size);
  let summary: PredictSummary | undefined;
  try {
    await commitAll([output, errors], async () => {
      summary = await predictCsv(source.stream, output.stream, errors.stream, {
        chunk: args.chunk,
        part: args.part,
        keep: args.keep,
        onlyPredictions: args.onlyPredictions,
        predictChunk,
        release: true, // a read stream's buffers, file sinks
        // Two chunks per thread: one running, one waiting, so no thread idles between them.
        inFlight: Math.max(2, 2 * model.threads),
        onProgress: (p) => progress.update(p),
      });
    });
  } finally {
    progress.done();
    await releaseBatchModel();
  }
  const seconds = (Date.now() - started) / 1000;
  const scoringSeconds = (Date.now() - scoringStarted) / 1000;
  return {
    input: args.input,
    output: args.output,
    errors: args.errors,
    part: `${args.part.index}/${args.part.count}`,
    model_version: model.version,
    ...summary!,
    seconds,
    scoring_seconds: scoringSeconds,
    rows_per_second: Math.round(summary!.scoredRows / scoringSeconds),
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

export async function runMerge(args: MergeArgs): Promise<{ output: string; rows: number }> {
  const s3 = lazyS3(batchModelSettings(process.env.MODEL_URI ?? "models"));
  const sources = await Promise.all(args.parts.map((p) => openSource(parseLocation(p), s3)));
  const sink = await openSink(parseLocation(args.output), s3);
  let rows = 0;
  await commitAll([sink], async () => {
    rows = await mergeParts(
      sources.map((s) => s.stream),
      sink.stream,
    );
  });
  return { output: args.output, rows };
}
