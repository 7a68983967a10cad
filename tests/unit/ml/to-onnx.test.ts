import { describe, expect, it } from "vitest";
import { linearPredict, type LinearPart } from "~/ml/linear";
import { createOrtSession, runOrt } from "~/inference/onnx.server";
import { explainTrees, UnsupportedModelError, xgboostToOnnx } from "../../../training/to-onnx";
import type { XgbModelJson, XgbTreeJson } from "../../../training/xgboost";

function tree(t: Partial<XgbTreeJson> & Pick<XgbTreeJson, "left_children">): XgbTreeJson {
  const n = t.left_children.length;
  return {
    right_children: new Array(n).fill(-1),
    split_indices: new Array(n).fill(0),
    split_conditions: new Array(n).fill(0),
    default_left: new Array(n).fill(0),
    sum_hessian: new Array(n).fill(1),
    split_type: new Array(n).fill(0),
    tree_param: { num_nodes: String(n), num_deleted: "0" },
    ...t,
  };
}

// Tree 0: x0 < 1.5 ? 0.1 : (x1 < 0.3 ? -0.2 : 0.4); missing x0 → left, missing x1 → right.
// Node 5 is a deleted node (unreachable) that must not leak into the ensemble.
const T0 = tree({
  left_children: [1, -1, 3, -1, -1, -1],
  right_children: [2, -1, 4, -1, -1, -1],
  split_indices: [0, 0, 1, 0, 0, 0],
  split_conditions: [1.5, 0.1, 0.3, -0.2, 0.4, 99],
  default_left: [1, 0, 0, 0, 0, 0],
  sum_hessian: [10, 4, 6, 3, 3, 0],
  tree_param: { num_nodes: "6", num_deleted: "1" },
});
// Tree 1: a single leaf.
const T1 = tree({ left_children: [-1], split_conditions: [0.25] });
// Tree 2: x1 < 0.3 ? 1 : 2 with missing → left; children listed before the root's id order.
const T2 = tree({
  left_children: [2, -1, -1],
  right_children: [1, -1, -1],
  split_indices: [1, 0, 0],
  split_conditions: [0.3, 2, 1],
  default_left: [1, 0, 0],
});

function model(trees: XgbTreeJson[], patch: (m: XgbModelJson) => void = () => {}): XgbModelJson {
  const m: XgbModelJson = {
    learner: {
      learner_model_param: {
        base_score: "5E-1",
        num_feature: "2",
        num_class: "0",
        num_target: "1",
      },
      objective: { name: "reg:squarederror" },
      gradient_booster: {
        name: "gbtree",
        model: {
          gbtree_model_param: { num_trees: String(trees.length) },
          tree_info: trees.map(() => 0),
          trees,
        },
      },
    },
  };
  patch(m);
  return m;
}

/** XGBoost's float32 accumulation: base score first, then each tree's leaf. */
const sum32 = (...xs: number[]) => xs.reduce((acc, x) => Math.fround(acc + Math.fround(x)), 0);

describe("xgboostToOnnx", () => {
  const onnx = xgboostToOnnx(model([T0, T1, T2]), 2);
  const rows: [number, number][] = [
    [1, 0.2], // left in T0; x1 < 0.3 in T2
    [2, 0.2], // right, then x1 < 0.3 → -0.2
    [2, Math.fround(0.3)], // a tie with the float32 threshold goes right (x < t is false)
    [NaN, NaN], // missing: T0 default left, T2 default left
    [2, NaN], // T0 right then x1 missing → default right (0.4); T2 → left (1)
  ];
  const expected = [
    sum32(0.5, 0.1, 0.25, 1),
    sum32(0.5, -0.2, 0.25, 1),
    sum32(0.5, 0.4, 0.25, 2),
    sum32(0.5, 0.1, 0.25, 1),
    sum32(0.5, 0.4, 0.25, 1),
  ];

  it("predicts exactly XGBoost's float32 sums in onnxruntime (missing values, ties, base score)", async () => {
    const session = await createOrtSession(onnx);
    const y = await runOrt(session, Float32Array.from(rows.flat()), rows.length, 2);
    expect(Array.from(y)).toEqual(expected.map(Math.fround));
    await session.release();
  });

  it("is deterministic", () => {
    expect(Buffer.from(xgboostToOnnx(model([T0, T1, T2]), 2)).equals(Buffer.from(onnx))).toBe(true);
  });

  it("rejects DART, categorical splits and non-identity objectives with clear errors", () => {
    const dart = model([T0], (m) => (m.learner.gradient_booster.name = "dart"));
    expect(() => xgboostToOnnx(dart, 2)).toThrow(/booster "dart"/);
    const cat = model([tree({ ...T0, split_type: [1, 0, 0, 0, 0, 0] })]);
    expect(() => xgboostToOnnx(cat, 2)).toThrow(/categorical splits/);
    const logistic = model([T0], (m) => (m.learner.objective.name = "binary:logistic"));
    expect(() => xgboostToOnnx(logistic, 2)).toThrow(UnsupportedModelError);
    expect(() => xgboostToOnnx(logistic, 2)).toThrow(/objective "binary:logistic"/);
  });

  it("reads newer base_score spellings ([5E-1])", async () => {
    const m = model([T1], (x) => (x.learner.learner_model_param.base_score = "[1.5E0]"));
    const session = await createOrtSession(xgboostToOnnx(m, 2));
    const y = await runOrt(session, Float32Array.from([0, 0]), 1, 2);
    expect(y[0]).toBe(Math.fround(1.75));
    await session.release();
  });
});

describe("xgboostToOnnx with a linear part", () => {
  const linear: LinearPart = {
    intercept: 10.25,
    terms: [
      { feature: "a", index: 0, transform: "log1p", weight: 0.45, mean: 0, min: 0, max: 5 },
      { feature: "b", index: 1, transform: "identity", weight: -0.3, mean: 0, min: 0, max: 1 },
    ],
  };
  const rows = [
    [1, 0.2],
    [2, 0.2],
    [1500, 0.9],
    [0, 0],
    [20000, 3],
  ];

  it("adds intercept + Σ w·g(x) to the trees in the same graph (≤ 1e-6 relative)", async () => {
    const session = await createOrtSession(xgboostToOnnx(model([T0, T1, T2]), 2, linear));
    const trees = await createOrtSession(xgboostToOnnx(model([T0, T1, T2]), 2));
    const x = Float32Array.from(rows.flat());
    const y = await runOrt(session, x, rows.length, 2);
    const t = await runOrt(trees, x, rows.length, 2);
    rows.forEach((_, i) => {
      const expected = t[i] + linearPredict(linear, x.subarray(2 * i, 2 * i + 2));
      expect(Math.abs(y[i] - expected) / Math.abs(expected)).toBeLessThanOrEqual(1e-6);
    });
    await session.release();
    await trees.release();
  });

  it("leaves the graph of a model without linear terms as trees only", () => {
    const none = xgboostToOnnx(model([T0]), 2, { intercept: 0, terms: [] });
    expect(Buffer.from(none).equals(Buffer.from(xgboostToOnnx(model([T0]), 2)))).toBe(true);
  });
});

describe("explainTrees", () => {
  it("drops deleted nodes, renumbers in pre-order and keeps float32 thresholds", () => {
    const { base_score, trees } = explainTrees(model([T0, T2]));
    expect(base_score).toBe(0.5);
    expect(trees[0]).toEqual({
      left: [1, -1, 3, -1, -1],
      right: [2, -1, 4, -1, -1],
      feature: [0, 0, 1, 0, 0],
      threshold: [1.5, 0, Math.fround(0.3), 0, 0],
      default_left: [1, 0, 0, 0, 0],
      value: [0, Math.fround(0.1), 0, Math.fround(-0.2), Math.fround(0.4)],
      cover: [10, 4, 6, 3, 3],
    });
    // T2's children were stored out of order: pre-order puts the left child (old 2) at 1.
    expect(trees[1].left).toEqual([1, -1, -1]);
    expect(trees[1].value).toEqual([0, 1, 2]);
  });
});
