import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Runs the batch CLI exactly as `npm run predict` does (tsx), or bundled as the container
// image runs it, as a separate process.

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The committed bundle; TEST_MODEL_DIR points the tests at another one while developing. */
export const MODEL_DIR = process.env.TEST_MODEL_DIR ?? path.join(REPO_ROOT, "models");

export type CliResult = { code: number | null; stdout: string; stderr: string };

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return run(["--import", "tsx", path.join(REPO_ROOT, "scripts/predict-batch.ts")], args, env);
}

/** The bundled CLI (server-build/predict-batch.js, `npm run build` first), as the image runs it. */
export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return run([path.join(REPO_ROOT, "server-build/predict-batch.js")], args, env);
}

function run(program: string[], args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...program, ...args], {
      cwd: REPO_ROOT,
      // Production settings, like the container image: the CLI must not need API_KEYS.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "production",
        APP_ENV: "production",
        LOG_LEVEL: "error",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    proc.once("error", reject);
    proc.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON summary line the CLI prints on stdout. */
export function summaryOf(result: CliResult): Record<string, unknown> {
  const line = result.stdout.split("\n").find((l) => l.startsWith('{"event":"batch_summary"'));
  if (!line)
    throw new Error(`no summary line; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}
