// Golden file for the TreeSHAP cross-check: XGBoost's own pred_contribs (Debian's
// python3-xgboost) on ~20 holdout rows of the final model. Skipped with a message when
// /usr/bin/python3 cannot import xgboost; never fails training.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter } from "./report";
import type { TrainOutcome } from "./pipeline";

export const PYTHON = process.env.XGB_PYTHON ?? "/usr/bin/python3";
export const GOLDEN_ROWS = 20;

export function pythonXgboostAvailable(): boolean {
  const r = spawnSync(PYTHON, ["-c", "import xgboost"], { stdio: "ignore" });
  return r.status === 0;
}

export async function writeGolden(
  out: TrainOutcome,
  file: string,
  reporter: Reporter,
): Promise<boolean> {
  if (!pythonXgboostAvailable()) {
    reporter.info(
      `skipped: ${PYTHON} cannot import xgboost (apt-get install -y python3-xgboost); ` +
        `the golden file was not updated`,
    );
    return false;
  }
  const { matrix, nRows, nFeatures } = out.holdout;
  // Evenly spaced holdout rows: deterministic and spread over the price range.
  const step = Math.max(1, Math.floor(nRows / GOLDEN_ROWS));
  const rows: number[][] = [];
  for (let i = 0; i < nRows && rows.length < GOLDEN_ROWS; i += step) {
    rows.push(Array.from(matrix.subarray(i * nFeatures, (i + 1) * nFeatures)));
  }
  const input = join(out.workDir, "golden-rows.json");
  const output = join(out.workDir, "golden-out.json");
  writeFileSync(input, JSON.stringify({ features: rows }));
  const r = spawnSync(PYTHON, ["training/xgb_contribs.py", out.modelJson, input, output], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    reporter.info(
      `skipped: xgb_contribs.py failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`,
    );
    return false;
  }
  const ref = JSON.parse(readFileSync(output, "utf8")) as {
    xgboost: string;
    rows: { contribs: number[]; bias: number; margin: number }[];
  };
  const golden = {
    model_version: out.bundle?.version ?? null,
    xgboost: ref.xgboost,
    feature_names: out.final.state.features,
    rows: rows.map((features, i) => ({ features, ...ref.rows[i] })),
  };
  writeFileSync(file, JSON.stringify(golden, null, 1) + "\n");
  reporter.info(`wrote ${file} (${rows.length} rows, xgboost ${ref.xgboost})`);
  return true;
}
