import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// V8's `--max-semi-space-size` overrides a worker's resourceLimits.maxYoungGenerationSizeMb;
// the launch flag is meant for the event loop alone (server/node-flags.ts, ADR 0067), and
// startThreads clears it so each scoring thread keeps THREAD_YOUNG_GENERATION_MB (ADR 0066).

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), "heap-limits.ts");
const MB = 1024 * 1024;

async function limits(nodeArgs: string[]): Promise<{ main: number; thread: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    ...nodeArgs,
    "--import",
    "tsx",
    PROBE,
  ]);
  return JSON.parse(stdout) as { main: number; thread: number };
}

describe("a scoring thread's young generation", () => {
  it("is resourceLimits' whatever --max-semi-space-size the process was started with", async () => {
    const [plain, small, large] = await Promise.all([
      limits([]),
      limits(["--max-semi-space-size=8"]),
      limits(["--max-semi-space-size=32"]),
    ]);
    // The flag reached the event loop (three semi-spaces count towards its limit)...
    expect(large.main - small.main).toBe(3 * (32 - 8) * MB);
    // ...and no thread: the same limit as a process without it.
    expect(small.thread).toBe(plain.thread);
    expect(large.thread).toBe(plain.thread);
  }, 30_000);
});
