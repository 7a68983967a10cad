// XGBoost model JSON → ONNX TreeEnsembleRegressor (ai.onnx.ml), bit-exact with XGBoost's own
// float32 predictions (rules in the shared toolchain notes and docs/decisions/0004).
import onnxProto from "onnx-proto";
import type { ExplainTree } from "~/ml/bundle";
import type { LinearPart } from "~/ml/linear";
import type { XgbModelJson, XgbTreeJson } from "./xgboost";

const { onnx } = onnxProto;

export const ONNX_OPSET = 15;
export const ONNX_ML_OPSET = 3;

// Objectives whose prediction is the raw margin (identity link).
const IDENTITY_OBJECTIVES = new Set([
  "reg:squarederror",
  "reg:linear",
  "reg:pseudohubererror",
  "reg:absoluteerror",
]);

export class UnsupportedModelError extends Error {}

/** XGBoost 1.7 writes "5E-1"; newer versions "[5E-1]". */
export function parseBaseScore(text: string): number {
  const v = Number(String(text).replace(/^\[|\]$/g, ""));
  if (!Number.isFinite(v)) throw new UnsupportedModelError(`Unreadable base_score ${text}`);
  return v;
}

export function checkSupported(model: XgbModelJson): void {
  const l = model.learner;
  if (!l?.gradient_booster?.model?.trees)
    throw new UnsupportedModelError("Not an XGBoost model JSON");
  const booster = l.gradient_booster.name;
  if (booster !== "gbtree") {
    throw new UnsupportedModelError(
      `Unsupported booster "${booster}": only gbtree (no DART, no gblinear)`,
    );
  }
  const objective = l.objective?.name;
  if (!IDENTITY_OBJECTIVES.has(objective)) {
    throw new UnsupportedModelError(
      `Unsupported objective "${objective}": only identity-link regression objectives (${[...IDENTITY_OBJECTIVES].join(", ")})`,
    );
  }
  const p = l.learner_model_param;
  if (Number(p.num_class ?? 0) > 1 || Number(p.num_target ?? 1) > 1) {
    throw new UnsupportedModelError("Unsupported multi-class / multi-target model");
  }
  l.gradient_booster.model.trees.forEach((t, i) => {
    if (
      (t.split_type ?? []).some((s) => s !== 0) ||
      ((t.categories_nodes as number[]) ?? []).length
    ) {
      throw new UnsupportedModelError(`Tree ${i} has categorical splits, which are not supported`);
    }
    if (Number((t.tree_param as { size_leaf_vector?: string }).size_leaf_vector ?? 0) > 1) {
      throw new UnsupportedModelError(`Tree ${i} has vector leaves, which are not supported`);
    }
  });
}

/**
 * The reachable nodes of a tree, renumbered in pre-order from the root (deleted or unreachable
 * nodes dropped). Shared by the ONNX export and the explain trees so both agree on node ids.
 */
export function compactTree(t: XgbTreeJson): ExplainTree {
  const out: ExplainTree = {
    left: [],
    right: [],
    feature: [],
    threshold: [],
    default_left: [],
    value: [],
    cover: [],
  };
  const visit = (old: number): number => {
    if (old < 0 || old >= t.left_children.length)
      throw new UnsupportedModelError(`Bad node id ${old}`);
    const id = out.left.length;
    out.left.push(-1);
    out.right.push(-1);
    out.cover.push(t.sum_hessian[old]);
    if (t.left_children[old] === -1) {
      out.feature.push(0);
      out.threshold.push(0);
      out.default_left.push(0);
      out.value.push(Math.fround(t.split_conditions[old]));
    } else {
      out.feature.push(t.split_indices[old]);
      out.threshold.push(Math.fround(t.split_conditions[old]));
      out.default_left.push(t.default_left[old] ? 1 : 0);
      out.value.push(0);
      out.left[id] = visit(t.left_children[old]);
      out.right[id] = visit(t.right_children[old]);
    }
    return id;
  };
  visit(0);
  return out;
}

/** Compact trees + base score for TreeSHAP (manifest `explain`). */
export function explainTrees(model: XgbModelJson): { base_score: number; trees: ExplainTree[] } {
  checkSupported(model);
  return {
    base_score: parseBaseScore(model.learner.learner_model_param.base_score),
    trees: model.learner.gradient_booster.model.trees.map(compactTree),
  };
}

type Attr = InstanceType<typeof onnx.AttributeProto>;
const A = onnx.AttributeProto.AttributeType;
const ints = (name: string, v: number[]): Attr =>
  onnx.AttributeProto.create({ name, type: A.INTS, ints: v });
const floats = (name: string, v: number[]): Attr =>
  onnx.AttributeProto.create({ name, type: A.FLOATS, floats: v });
const str = (name: string, v: string): Attr =>
  onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(v) });
const strs = (name: string, v: string[]): Attr => {
  const enc = new TextEncoder();
  const cache = new Map<string, Uint8Array>();
  return onnx.AttributeProto.create({
    name,
    type: A.STRINGS,
    strings: v.map((x) => cache.get(x) ?? cache.set(x, enc.encode(x)).get(x)!),
  });
};

/**
 * Serialised ONNX model (deterministic bytes for the same inputs): the trees, plus the linear
 * part when given (Y = trees + intercept + Σ w·x over identity terms + Σ w·log1p(x) over log1p
 * terms, in float32). The trees alone stay bit-exact with XGBoost.
 */
export function xgboostToOnnx(
  model: XgbModelJson,
  nFeatures: number,
  linear?: LinearPart,
): Uint8Array {
  checkSupported(model);
  const numFeature = Number(model.learner.learner_model_param.num_feature);
  if (numFeature > nFeatures) {
    throw new UnsupportedModelError(`Model uses ${numFeature} features, input has ${nFeatures}`);
  }
  const base = parseBaseScore(model.learner.learner_model_param.base_score);
  const n = {
    treeids: [] as number[],
    nodeids: [] as number[],
    featureids: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    truenodeids: [] as number[],
    falsenodeids: [] as number[],
    missingTrue: [] as number[],
  };
  const t = {
    treeids: [] as number[],
    nodeids: [] as number[],
    ids: [] as number[],
    weights: [] as number[],
  };
  const leaf = (tree: number, node: number, weight: number) => {
    n.treeids.push(tree);
    n.nodeids.push(node);
    n.featureids.push(0);
    n.modes.push("LEAF");
    n.values.push(0);
    n.truenodeids.push(0);
    n.falsenodeids.push(0);
    n.missingTrue.push(0);
    t.treeids.push(tree);
    t.nodeids.push(node);
    t.ids.push(0);
    t.weights.push(Math.fround(weight));
  };
  // Tree 0 = the base score as one leaf: XGBoost starts its float32 sum from base_score.
  leaf(0, 0, base);
  model.learner.gradient_booster.model.trees.forEach((xt, k) => {
    const tree = k + 1;
    const c = compactTree(xt);
    for (let i = 0; i < c.left.length; i++) {
      if (c.left[i] === -1) {
        leaf(tree, i, c.value[i]);
        continue;
      }
      n.treeids.push(tree);
      n.nodeids.push(i);
      n.featureids.push(c.feature[i]);
      n.modes.push("BRANCH_LT");
      n.values.push(c.threshold[i]);
      n.truenodeids.push(c.left[i]);
      n.falsenodeids.push(c.right[i]);
      n.missingTrue.push(c.default_left[i]);
    }
  });
  const linearGraph = linear && linear.terms.length > 0 ? linearNodes(linear, "T") : undefined;
  const node = onnx.NodeProto.create({
    name: "xgboost_trees",
    opType: "TreeEnsembleRegressor",
    domain: "ai.onnx.ml",
    input: ["X"],
    output: [linearGraph ? "T" : "Y"],
    attribute: [
      str("aggregate_function", "SUM"),
      floats("base_values", [0]),
      onnx.AttributeProto.create({ name: "n_targets", type: A.INT, i: 1 }),
      ints("nodes_falsenodeids", n.falsenodeids),
      ints("nodes_featureids", n.featureids),
      ints("nodes_missing_value_tracks_true", n.missingTrue),
      strs("nodes_modes", n.modes),
      ints("nodes_nodeids", n.nodeids),
      ints("nodes_treeids", n.treeids),
      ints("nodes_truenodeids", n.truenodeids),
      floats("nodes_values", n.values),
      str("post_transform", "NONE"),
      ints("target_ids", t.ids),
      ints("target_nodeids", t.nodeids),
      ints("target_treeids", t.treeids),
      floats("target_weights", t.weights),
    ],
  });
  const tensor = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: {
            dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
          },
        },
      },
    });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "housing-price-platform/training/to-onnx.ts",
    producerVersion: "1",
    opsetImport: [
      { domain: "", version: ONNX_OPSET },
      { domain: "ai.onnx.ml", version: ONNX_ML_OPSET },
    ],
    graph: {
      name: "xgboost_regressor",
      node: [node, ...(linearGraph?.nodes ?? [])],
      initializer: linearGraph?.initializers ?? [],
      input: [tensor("X", ["N", nFeatures])],
      output: [tensor("Y", ["N", 1])],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Nodes computing Y = trees + linear part from X and the trees' output `trees` [N,1]. */
function linearNodes(part: LinearPart, trees: string) {
  const F = onnx.TensorProto.DataType.FLOAT;
  const I64 = onnx.TensorProto.DataType.INT64;
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const constant = (name: string, dataType: number, dims: number[], values: number[]) =>
    initializers.push(
      onnx.TensorProto.create(
        dataType === I64
          ? { name, dataType, dims, int64Data: values }
          : { name, dataType, dims, floatData: values },
      ),
    );
  const op = (opType: string, input: string[], output: string, attribute: Attr[] = []) =>
    nodes.push(onnx.NodeProto.create({ name: output, opType, input, output: [output], attribute }));
  let sum = trees;
  for (const transform of ["identity", "log1p"] as const) {
    const terms = part.terms.filter((t) => t.transform === transform);
    if (terms.length === 0) continue;
    const k = terms.length;
    constant(
      `${transform}_columns`,
      I64,
      [k],
      terms.map((t) => t.index),
    );
    constant(
      `${transform}_weights`,
      F,
      [k, 1],
      terms.map((t) => Math.fround(t.weight)),
    );
    op("Gather", ["X", `${transform}_columns`], `${transform}_x`, [
      onnx.AttributeProto.create({ name: "axis", type: A.INT, i: 1 }),
    ]);
    let input = `${transform}_x`;
    if (transform === "log1p") {
      constant("one", F, [], [1]);
      op("Add", [input, "one"], "log1p_x1");
      op("Log", ["log1p_x1"], "log1p_g");
      input = "log1p_g";
    }
    op("MatMul", [input, `${transform}_weights`], `${transform}_sum`);
    op("Add", [sum, `${transform}_sum`], `${transform}_total`);
    sum = `${transform}_total`;
  }
  constant("intercept", F, [], [Math.fround(part.intercept)]);
  op("Add", [sum, "intercept"], "Y");
  return { nodes, initializers };
}
