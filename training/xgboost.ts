// Driver for the XGBoost CLI (Debian package `xgboost` 1.7): data files, config file, training
// with per-round progress, early stopping, prediction. All work happens in a temp directory.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const XGBOOST_BIN = process.env.XGBOOST_BIN ?? "/usr/bin/xgboost";

export class XgboostMissingError extends Error {
  constructor(bin: string) {
    super(
      `XGBoost CLI not found at ${bin}. Install it with: apt-get install -y xgboost ` +
        `(or set XGBOOST_BIN to its path)`,
    );
  }
}

export function assertXgboost(bin = XGBOOST_BIN): void {
  if (!existsSync(bin)) throw new XgboostMissingError(bin);
}

/**
 * Text for a float32 value that XGBoost's CSV parser reads back as exactly that float32. Its
 * parser is not correctly rounded for the shortest float32 text ("4.356611" → 1 ulp off), but it
 * is for the exact double's shortest text (measured on 80k values: 0 mismatches).
 */
export function float32Text(v: number): string {
  return String(v);
}

/**
 * CSV with the label in column 0 and, when given, the row weight in column 1 (the 1.7 CLI reads
 * `?format=csv&label_column=0&weight_column=1` and leaves the weight out of the features).
 */
export function writeCsv(
  path: string,
  matrix: Float32Array,
  nRows: number,
  nFeatures: number,
  labels?: ArrayLike<number>,
  weights?: ArrayLike<number>,
): void {
  const lines: string[] = new Array(nRows);
  const lead = weights ? 2 : 1;
  const cells: string[] = new Array(nFeatures + lead);
  for (let i = 0; i < nRows; i++) {
    cells[0] = labels ? String(labels[i]) : "0";
    if (weights) cells[1] = String(weights[i]);
    for (let j = 0; j < nFeatures; j++) cells[j + lead] = float32Text(matrix[i * nFeatures + j]);
    lines[i] = cells.join(",");
  }
  writeFileSync(path, lines.join("\n") + "\n");
}

/** The CLI's data URI of a CSV written by writeCsv. */
export function csvUri(file: string, weighted = false): string {
  return `${file}?format=csv&label_column=0${weighted ? "&weight_column=1" : ""}`;
}

/** Identity-link objectives the ONNX converter supports (training/to-onnx.ts). */
export type XgbObjective = "reg:squarederror" | "reg:pseudohubererror" | "reg:absoluteerror";

export type XgbParams = {
  /** Default reg:squarederror. */
  objective?: XgbObjective;
  /** Pseudo-Huber δ (log-price units): residuals beyond it count linearly, not squared. */
  huber_slope?: number;
  eta: number;
  max_depth: number;
  min_child_weight: number;
  subsample: number;
  colsample_bytree: number;
  lambda: number;
  alpha: number;
  gamma: number;
};

export type TrainResult = {
  /** Parsed XGBoost model JSON, truncated to the best iteration. */
  model: XgbModelJson;
  modelText: string;
  bestIteration: number;
  evalHistory: { train: number; eval: number }[];
  config: Record<string, string | number>;
};

// Only the parts of XGBoost's model JSON this project reads.
export type XgbTreeJson = {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: number[];
  sum_hessian: number[];
  split_type?: number[];
  base_weights?: number[];
  tree_param: { num_nodes: string; num_deleted?: string; num_feature?: string };
  id?: number;
  [k: string]: unknown;
};
export type XgbModelJson = {
  version?: number[];
  learner: {
    learner_model_param: {
      base_score: string;
      num_feature: string;
      num_class?: string;
      num_target?: string;
    };
    objective: { name: string };
    gradient_booster: {
      name: string;
      model: {
        gbtree_model_param: { num_trees: string; num_parallel_tree?: string };
        tree_info: number[];
        trees: XgbTreeJson[];
        [k: string]: unknown;
      };
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
};

function configText(cfg: Record<string, string | number>): string {
  return Object.entries(cfg)
    .map(([k, v]) => `${k} = ${typeof v === "string" && /[?&=]/.test(v) ? JSON.stringify(v) : v}`)
    .join("\n");
}

/** Runs the CLI; resolves with stderr+stdout, rejects with the tail of the output on failure. */
function run(args: string[], cwd: string, onLine?: (line: string) => void): Promise<string> {
  assertXgboost();
  return new Promise((resolve, reject) => {
    const child = spawn(XGBOOST_BIN, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let partial = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      if (!onLine) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      lines.forEach(onLine);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === "ENOENT" ? new XgboostMissingError(XGBOOST_BIN) : e,
      ),
    );
    child.on("close", (code, signal) => {
      if (partial && onLine) onLine(partial);
      if (code === 0) resolve(out);
      else {
        const tail = out.trim().split("\n").slice(-5).join("\n");
        reject(
          new Error(`xgboost ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${tail}`),
        );
      }
    });
  });
}

const EVAL_LINE = /\[(\d+)\]\s+train-rmse:([0-9.eE+-]+)(?:\s+eval-rmse:([0-9.eE+-]+))?/;

export async function trainXgboost(opts: {
  dir: string;
  trainCsv: string;
  /** Rows scored after every round (early stopping reads them); none: train only. */
  evalCsv?: string;
  /** The training CSV has a weight column (writeCsv's `weights`). */
  weighted?: boolean;
  params: XgbParams;
  rounds: number;
  /** Keep the rounds up to the best eval round if no better one follows within this many. */
  earlyStopping?: number;
  baseScore: number;
  seed: number;
  /** Per feature: 1 = the prediction may only increase with it, 0 = free. */
  monotone?: readonly number[];
  onRound?: (round: number, total: number, trainRmse: number, evalRmse: number) => void;
}): Promise<TrainResult> {
  const { dir, params } = opts;
  const trainUri = csvUri(opts.trainCsv, opts.weighted);
  const config: Record<string, string | number> = {
    booster: "gbtree",
    objective: params.objective ?? "reg:squarederror",
    ...(params.huber_slope === undefined ? {} : { huber_slope: params.huber_slope }),
    // Early stopping and the progress line read RMSE whatever the training loss is.
    eval_metric: "rmse",
    tree_method: "hist",
    max_bin: 256,
    eta: params.eta,
    max_depth: params.max_depth,
    min_child_weight: params.min_child_weight,
    subsample: params.subsample,
    colsample_bytree: params.colsample_bytree,
    lambda: params.lambda,
    alpha: params.alpha,
    gamma: params.gamma,
    ...(opts.monotone?.some((c) => c !== 0)
      ? { monotone_constraints: `(${opts.monotone.join(",")})` }
      : {}),
    base_score: opts.baseScore,
    num_round: opts.rounds,
    nthread: 1,
    seed: opts.seed,
    data: trainUri,
    "eval[train]": trainUri,
    ...(opts.evalCsv ? { "eval[eval]": csvUri(opts.evalCsv) } : {}),
    model_out: "model.full.json",
  };
  writeFileSync(join(dir, "train.conf"), configText(config) + "\n");
  const history: { train: number; eval: number }[] = [];
  await run(["train.conf"], dir, (line) => {
    const m = EVAL_LINE.exec(line);
    if (!m) return;
    const round = Number(m[1]);
    const ev = m[3] === undefined ? NaN : Number(m[3]);
    history[round] = { train: Number(m[2]), eval: ev };
    opts.onRound?.(round, opts.rounds, Number(m[2]), ev);
  });
  if (history.length !== opts.rounds) {
    throw new Error(`xgboost reported ${history.length} of ${opts.rounds} rounds`);
  }
  // Early stopping: the first round with the lowest eval RMSE; stop looking once `earlyStopping`
  // rounds pass without improvement (the CLI has no early stopping, so we truncate the model).
  let best = history.length - 1;
  if (opts.evalCsv && opts.earlyStopping !== undefined) {
    best = 0;
    for (let i = 1; i < history.length; i++) {
      if (i - best > opts.earlyStopping) break;
      if (history[i].eval < history[best].eval) best = i;
    }
  }
  const modelText = truncateModelText(readFileSync(join(dir, "model.full.json"), "utf8"), best + 1);
  writeFileSync(join(dir, "model.json"), modelText);
  const model = JSON.parse(modelText) as XgbModelJson;
  return { model, modelText, bestIteration: best, evalHistory: history, config };
}

/**
 * Keeps the first `nTrees` trees (boosting is sequential: identical to training fewer rounds).
 * Works on the text: XGBoost's JSON reader tells integers from floats ("0E0" is a float), and a
 * JSON.parse/stringify round trip would turn such floats into integers it then rejects.
 */
export function truncateModelText(text: string, nTrees: number): string {
  const key = '"trees":[';
  const start = text.indexOf(key);
  if (start < 0) throw new Error("model JSON has no trees array");
  let depth = 0;
  let kept = 0;
  let cut = -1;
  let end = -1;
  for (let i = start + key.length; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (depth === 0) {
        end = i; // the closing bracket of the trees array
        break;
      }
      depth--;
      if (depth === 0 && c === "}" && ++kept === nTrees) cut = i + 1;
    }
  }
  if (end < 0 || kept < nTrees) throw new Error(`model JSON has ${kept} trees, wanted ${nTrees}`);
  let out = text.slice(0, cut) + text.slice(end);
  out = out.replace(
    /"tree_info":\[([^\]]*)\]/,
    (_, list: string) => `"tree_info":[${list.split(",").slice(0, nTrees).join(",")}]`,
  );
  out = out.replace(/"num_trees":"\d+"/, `"num_trees":"${nTrees}"`);
  return out;
}

/** `xgboost task=pred` on a CSV (label column 0): float32 predictions. */
export async function predictXgboost(
  dir: string,
  modelFile: string,
  csv: string,
): Promise<Float32Array> {
  const cfg = {
    task: "pred",
    model_in: modelFile,
    "test:data": csvUri(csv),
    name_pred: "pred.txt",
    nthread: 1,
  };
  writeFileSync(join(dir, "pred.conf"), configText(cfg) + "\n");
  await run(["pred.conf"], dir);
  const lines = readFileSync(join(dir, "pred.txt"), "utf8").trim().split("\n");
  // The CLI prints 9 significant digits: enough to identify a float32 exactly.
  return Float32Array.from(lines, Number);
}
