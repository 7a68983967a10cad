import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";

// docs/reliability.json: the last measured figures of each reliability run, one key per
// check, each stamped with when and where it was measured (a loaded 2-core box differs).

export const FIGURES_FILE = "docs/reliability.json";

export async function recordFigures(check: string, figures: unknown): Promise<void> {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(FIGURES_FILE, "utf8")) as Record<string, unknown>;
  } catch {
    // first run
  }
  all[check] = {
    measured_at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      load_avg_1m: Math.round(os.loadavg()[0] * 10) / 10,
      node: process.version,
    },
    ...(figures as object),
  };
  await writeFile(FIGURES_FILE, `${JSON.stringify(all, null, 2)}\n`);
}
