// The batch CLI as a job runs it (`node server-build/predict-batch.js`, its own process, the
// server's scoring threads): rows per second and peak RSS on a generated input, for the
// bench's same-run comparison with the API's 1,000-row batches, and for the memory A/B
// (scripts/bench/memory.ts) with its own flags and a hash of what the CLI wrote.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generateCsv } from "../batch/generate";
import { childEnv, childrenCpuSeconds } from "./processes";

export type BatchCliResult = {
  rows: number;
  /** After the model is loaded (the CLI's own figure). */
  rows_per_s: number;
  peak_rss_mib: number;
  wall_s: number;
  /** CPU of the whole run (model load included) per row: robust to neighbours. */
  cpu_us_per_row: number;
  /** sha256 of the output and errors files (first 12 hex digits), with `hash`. */
  out_sha?: number;
  err_sha?: number;
};

export type BatchCliOptions = {
  /** node flags before the script. */
  nodeArgs?: string[];
  /** CLI arguments after the bench's own (input, output, errors, no progress). */
  cliArgs?: string[];
  /** Environment over the bench's; an empty value leaves the variable out (as startApp). */
  env?: Record<string, string>;
  hash?: boolean;
};

async function generatedInput(root: string, rows: number): Promise<string> {
  const dir = path.join(os.tmpdir(), "bench-batch-cli");
  await mkdir(dir, { recursive: true });
  const input = path.join(dir, `in-${rows}.csv`);
  if (!existsSync(input)) {
    // Written aside and renamed: a bench run beside this one, or one killed while writing,
    // must never leave a half-written file under the name the next run reuses.
    const partial = `${input}.${process.pid}.tmp`;
    try {
      await generateCsv(partial, { source: path.join(root, "data/ames.csv"), rows, seed: 3 });
      await rename(partial, input);
    } finally {
      await rm(partial, { force: true });
    }
  }
  return input;
}

const sha = async (file: string) =>
  parseInt(
    createHash("sha256")
      .update(await readFile(file))
      .digest("hex")
      .slice(0, 12),
    16,
  );

export async function measureBatchCli(
  root: string,
  rows: number,
  opts: BatchCliOptions = {},
): Promise<BatchCliResult> {
  const input = await generatedInput(root, rows);
  // Per process: two benches on one machine share the temporary directory.
  const output = path.join(os.tmpdir(), `bench-batch-cli-out-${process.pid}.csv`);
  const errors = `${output}.errors.csv`;
  const args = ["--input", input, "--output", output, "--errors", errors, "--progress", "never"];
  const env = childEnv(opts.env ?? {});
  const started = performance.now();
  const cpuBefore = childrenCpuSeconds();
  const stdout = await new Promise<string>((resolve, reject) => {
    const script = path.join(root, "server-build/predict-batch.js");
    const proc = spawn(
      process.execPath,
      [...(opts.nodeArgs ?? []), script, ...args, ...(opts.cliArgs ?? [])],
      {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
    proc.once("error", reject);
    proc.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`predict-batch exited ${code}`)),
    );
  });
  const wall = (performance.now() - started) / 1000;
  const cpu = childrenCpuSeconds() - cpuBefore;
  const hashes = opts.hash ? { out_sha: await sha(output), err_sha: await sha(errors) } : {};
  for (const file of [output, errors]) await rm(file, { force: true });
  const summary = JSON.parse(
    stdout.split("\n").find((l) => l.startsWith('{"event":"batch_summary"')) ?? "{}",
  ) as { rows_per_second?: number; max_rss_mb?: number };
  if (summary.rows_per_second === undefined) throw new Error("no batch summary from the CLI");
  return {
    rows,
    rows_per_s: summary.rows_per_second,
    peak_rss_mib: summary.max_rss_mb ?? NaN,
    wall_s: wall,
    cpu_us_per_row: (cpu * 1e6) / rows,
    ...hashes,
  };
}
