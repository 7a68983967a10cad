import { parseArgs } from "node:util";
import { parsePart, WHOLE_INPUT, type PartSpec } from "./part";

// Command line of the batch CLI. Every mistake is a UsageError (exit code 2) whose
// message says what to change; nothing is read or written before the arguments are valid.

export class UsageError extends Error {}

export type PredictArgs = {
  command: "score";
  input: string;
  output: string;
  errors: string;
  part: PartSpec;
  chunk: number;
  model: string;
  /** Columns copied to the output untouched (ids); any other unknown column is an error. */
  keep: string[];
  /** Write only `row` + predictions, not the input columns. */
  onlyPredictions: boolean;
  progress: "auto" | "always" | "never";
};

export type MergeArgs = { command: "merge"; output: string; parts: string[] };

export type BatchArgs = PredictArgs | MergeArgs;

export const USAGE = `Usage:
  npm run predict -- --input <file.csv|s3://bucket/key> --output <file.csv|s3://bucket/key>
                     [--errors <file|s3://…>] [--part i/n | auto/n] [--chunk 250]
                     [--model models|s3://bucket/prefix/] [--keep id,other]
                     [--only-predictions] [--progress auto|always|never]
  npm run predict -- merge --output <file|s3://…> <part0> <part1> …

  --part i/n     score only chunks c with c % n == i (n parallel tasks over one input);
                 auto/n takes i from AWS_BATCH_JOB_ARRAY_INDEX. "{part}" in --output and
                 --errors is replaced by i.
  --errors       per-row problems (row, field, message); default: <output>.errors.csv
  merge          k-way merge of part outputs by row number (exactly the single-run file)`;

const MIN_CHUNK = 1;
const MAX_CHUNK = 100_000;
// Chunks large enough that a thread's fixed cost per task is small, small enough that a
// thread's live heap, and so how far V8 grows it, stays small; measured per size in ADRs 0048
// and 0055 (docs/batch-scoring.md).
const DEFAULT_CHUNK = 250;

function defaultErrorsUri(output: string): string {
  return output.replace(/(\.csv)?$/i, ".errors.csv");
}

export function parseBatchArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): BatchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        input: { type: "string", short: "i" },
        output: { type: "string", short: "o" },
        errors: { type: "string" },
        part: { type: "string" },
        chunk: { type: "string" },
        model: { type: "string" },
        keep: { type: "string" },
        "only-predictions": { type: "boolean" },
        progress: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) throw new UsageError("");
  if (!v.output) throw new UsageError("--output is required");

  if (positionals[0] === "merge") {
    const parts = positionals.slice(1);
    if (parts.length === 0) throw new UsageError("merge needs the part files to merge");
    return { command: "merge", output: v.output, parts };
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!v.input) throw new UsageError("--input is required");

  let part = WHOLE_INPUT;
  if (v.part !== undefined) {
    try {
      part = parsePart(v.part, env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const usesIndexFromEnv = v.part?.trim().startsWith("auto") ?? false;
  if (usesIndexFromEnv && !v.output.includes("{part}")) {
    // Every array child runs the same command: without {part} they would overwrite each other.
    throw new UsageError(
      '--part auto/n needs "{part}" in --output (e.g. s3://b/out/part-{part}.csv)',
    );
  }

  const chunk = v.chunk === undefined ? DEFAULT_CHUNK : Number(v.chunk);
  if (!Number.isInteger(chunk) || chunk < MIN_CHUNK || chunk > MAX_CHUNK) {
    throw new UsageError(
      `--chunk must be a whole number ${MIN_CHUNK}…${MAX_CHUNK}, got "${v.chunk}"`,
    );
  }
  const progress = v.progress ?? "auto";
  if (progress !== "auto" && progress !== "always" && progress !== "never") {
    throw new UsageError(`--progress must be auto, always or never, got "${progress}"`);
  }

  const fill = (uri: string) => uri.replaceAll("{part}", String(part.index));
  const output = fill(v.output);
  const errors = fill(v.errors ?? defaultErrorsUri(v.output));
  if (output === v.input || errors === v.input) {
    throw new UsageError("--output and --errors must differ from --input");
  }
  if (output === errors) throw new UsageError("--output and --errors must differ");

  return {
    command: "score",
    input: v.input,
    output,
    errors,
    part,
    chunk,
    model: v.model ?? env.MODEL_URI ?? "models",
    keep: (v.keep ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
    onlyPredictions: v["only-predictions"] ?? false,
    progress,
  };
}
