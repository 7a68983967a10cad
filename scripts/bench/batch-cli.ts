// The batch CLI as a job runs it (`node server-build/predict-batch.js`, its own process, the
// server's scoring threads): rows per second and peak RSS on a generated input, for the
// bench's same-run comparison with the API's 1,000-row batches.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MALLOC_ENV } from "../../server/node-flags";
import { generateCsv } from "../batch/generate";

export type BatchCliResult = { rows: number; rows_per_s: number; peak_rss_mib: number };

export async function measureBatchCli(root: string, rows: number): Promise<BatchCliResult> {
  const dir = path.join(os.tmpdir(), "bench-batch-cli");
  await mkdir(dir, { recursive: true });
  const input = path.join(dir, `in-${rows}.csv`);
  if (!existsSync(input)) {
    await generateCsv(input, { source: path.join(root, "data/ames.csv"), rows, seed: 3 });
  }
  const output = path.join(dir, "out.csv");
  const args = ["--input", input, "--output", output, "--progress", "never"];
  const stdout = await new Promise<string>((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [path.join(root, "server-build/predict-batch.js"), ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: "production",
          MODEL_URI: process.env.MODEL_URI ?? "models",
          // The image's ENV holds for every process in the container, a batch job's CLI too
          // (ADR 0053).
          ...MALLOC_ENV,
        },
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
  for (const file of [output, `${path.join(dir, "out")}.errors.csv`])
    await rm(file, { force: true });
  const summary = JSON.parse(
    stdout.split("\n").find((l) => l.startsWith('{"event":"batch_summary"')) ?? "{}",
  ) as { rows_per_second?: number; max_rss_mb?: number };
  if (summary.rows_per_second === undefined) throw new Error("no batch summary from the CLI");
  return { rows, rows_per_s: summary.rows_per_second, peak_rss_mib: summary.max_rss_mb ?? NaN };
}
