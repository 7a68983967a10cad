// Exact path-dependent TreeSHAP (Lundberg et al. 2018) for an XGBoost ensemble, matching
// XGBoost's `pred_contribs`: node routing is XGBoost's float32 `x < threshold` with NaN
// following `default_left`, and the conditional expectation weights children by their cover
// (sum_hessian) relative to the parent's. Pure TS (no node: imports).
//
// One evaluator, leaf tables: a leaf's contribution depends on x only through which of its
// path's unique features x "agrees" with, so all 2^u cases are precomputed once per leaf (in
// the spirit of Fast TreeSHAP v2, Yang 2021) and a row costs O(leaves × u) lookups. Tables fit
// any tree up to depth 6 (MAX_EXPLAIN_DEPTH; training refuses deeper trees); a tree whose tables
// would not fit the memory budget is refused when the bundle loads. The tests keep a second
// exact algorithm (EXTEND/UNWIND) and brute-force Shapley values as oracles.

import type { ExplainTree } from "./bundle"; // type only: keeps this module free of zod
import { addLinearContributions, linearBase, linearPredict, type LinearPart } from "./linear";

export type { ExplainTree };
// Serving imports the grouping from here (it lives with the other presentation helpers).
export { groupContributions } from "./contributions";

type PreparedTree = {
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array; // compared against float32 x: exact float32 semantics in doubles
  defaultLeft: Uint8Array;
  value: Float64Array;
  leftFrac: Float64Array; // cover[left] / cover[node]: the "zero fraction" of each child
  rightFrac: Float64Array;
  mean: number; // cover-weighted mean leaf value (XGBoost's node_mean_values[0])
  tables: LeafTables;
};

// For a leaf with unique path features k_0..k_{u-1} (bit b ↔ k_b, in order of first
// appearance), zero fractions z_b (product of the cover ratios of k_b's splits on the path)
// and A = the bits whose splits x follows, the Shapley values of
//   f(T) = v · [T ⊆ A] · Π_{b ∉ T} z_b
// are φ_b = Cp(A) − D(A∖b) for b ∈ A and −Cm(A) for b ∉ A, where Cp/Cm are the subset sums
// of w(|T|−1)·f(T) / w(|T|)·f(T) over T ⊆ P (w(s) = s!(u−s−1)!/u!) and D = Cp + Cm.
type LeafTables = {
  nodeBit: Int8Array; // internal node → bit of its feature on the (unique) path to it
  leafSlot: Int32Array; // leaf node → slot
  leafU: Uint8Array; // slot → u
  leafFeatOff: Int32Array; // slot → offset into feats (u entries, bit order)
  feats: Int32Array;
  leafTabOff: Int32Array; // slot → offset into tab
  tab: Float64Array; // per leaf [Cm(0), D(0), Cm(1), D(1), …]: a lookup touches one cache line
};

/** Deepest trees the leaf tables are sized for (training refuses deeper models). */
export const MAX_EXPLAIN_DEPTH = 6;

const EMPTY_TABLES: LeafTables = {
  nodeBit: new Int8Array(0),
  leafSlot: new Int32Array(0),
  leafU: new Uint8Array(0),
  leafFeatOff: new Int32Array(0),
  feats: new Int32Array(0),
  leafTabOff: new Int32Array(0),
  tab: new Float64Array(0),
};

export type PrepareOptions = {
  /** Largest Σ_leaves 2^u (u = unique features on the leaf's path) a tree may need; 16 bytes
   *  each. 4096 covers any depth-6 tree (≤ 64 KB per tree). */
  maxTableEntries?: number;
};

export type PreparedEnsemble = {
  readonly trees: readonly PreparedTree[];
  readonly maxDepth: number; // internal nodes on the longest root-to-leaf path
  readonly maxFeature: number; // largest split feature index (-1 if no splits)
  /** The model's linear part, explained exactly next to the trees (prepareExplainer). */
  readonly linear?: LinearPart;
};

export type RowExplanation = { base: number; contributions: Float64Array; prediction: number };

type Trees = readonly ExplainTree[] | PreparedEnsemble;

// Callers may pass the raw trees on every request: the prepared form is cached per array.
const cache = new WeakMap<readonly ExplainTree[], PreparedEnsemble>();

function prepared(trees: Trees): PreparedEnsemble {
  if (!Array.isArray(trees)) return trees as PreparedEnsemble;
  const raw = trees as readonly ExplainTree[];
  let ens = cache.get(raw);
  if (!ens) {
    ens = prepareTrees(raw);
    cache.set(raw, ens);
  }
  return ens;
}

/** Validates the trees (reachable from node 0) and converts them to typed arrays. Throws on
 *  malformed input so a bad bundle fails at load time, not per request. */
export function prepareTrees(
  trees: readonly ExplainTree[],
  options: PrepareOptions = {},
): PreparedEnsemble {
  const maxTableEntries = options.maxTableEntries ?? 4096;
  let maxDepth = 0;
  let maxFeature = -1;
  const out = trees.map((t, ti) => {
    const n = t.left.length;
    for (const k of ["right", "feature", "threshold", "default_left", "value", "cover"] as const) {
      if (t[k].length !== n) throw new Error(`tree ${ti}: ${k} has ${t[k].length} nodes, not ${n}`);
    }
    if (n === 0) throw new Error(`tree ${ti}: no nodes`);
    const p: PreparedTree = {
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      feature: Int32Array.from(t.feature),
      threshold: Float32Array.from(t.threshold),
      defaultLeft: Uint8Array.from(t.default_left),
      value: Float64Array.from(t.value),
      leftFrac: new Float64Array(n),
      rightFrac: new Float64Array(n),
      mean: 0,
      tables: EMPTY_TABLES,
    };
    const seen = new Uint8Array(n);
    // Returns the cover-weighted mean of the subtree (divided by the node's own cover, as
    // XGBoost does) and records depth/feature bounds and child fractions on the way.
    const visit = (i: number, depth: number): number => {
      if (seen[i]) throw new Error(`tree ${ti}: node ${i} reached twice`);
      seen[i] = 1;
      if (p.left[i] === -1) {
        if (!Number.isFinite(p.value[i])) throw new Error(`tree ${ti}: leaf ${i} not finite`);
        if (depth > maxDepth) maxDepth = depth;
        return p.value[i];
      }
      const l = p.left[i];
      const r = p.right[i];
      for (const c of [l, r]) {
        if (!Number.isInteger(c) || c < 0 || c >= n)
          throw new Error(`tree ${ti}: bad node id ${c}`);
      }
      const f = p.feature[i];
      const c = t.cover[i];
      if (!(c > 0) || !Number.isFinite(c)) throw new Error(`tree ${ti}: node ${i} cover ${c}`);
      if (f < 0) throw new Error(`tree ${ti}: node ${i} has feature ${f}`);
      if (Number.isNaN(p.threshold[i])) throw new Error(`tree ${ti}: node ${i} NaN threshold`);
      if (f > maxFeature) maxFeature = f;
      const cl = t.cover[l];
      const cr = t.cover[r];
      if (!(cl >= 0 && cr >= 0)) throw new Error(`tree ${ti}: children of ${i}: bad covers`);
      p.leftFrac[i] = cl / c;
      p.rightFrac[i] = cr / c;
      return (visit(l, depth + 1) * cl + visit(r, depth + 1) * cr) / c;
    };
    p.mean = visit(0, 0);
    const tables = buildLeafTables(p, maxTableEntries);
    if (!tables) {
      throw new Error(
        `tree ${ti}: its SHAP leaf tables need more than ${maxTableEntries} entries ` +
          `(trees deeper than ${MAX_EXPLAIN_DEPTH} levels cannot be explained)`,
      );
    }
    p.tables = tables;
    return p;
  });
  return { trees: out, maxDepth, maxFeature };
}

/** The manifest's `explain` block prepared once: the trees and, if any, the linear part. */
export function prepareExplainer(
  explain: { trees: readonly ExplainTree[]; linear?: LinearPart },
  options: PrepareOptions = {},
): PreparedEnsemble {
  const ens = prepareTrees(explain.trees, options);
  return explain.linear ? { ...ens, linear: explain.linear } : ens;
}

/** base_score + Σ per-tree cover-weighted mean leaf value: XGBoost's pred_contribs bias. */
export function expectedValue(trees: Trees, baseScore: number): number {
  let sum = baseScore;
  for (const t of prepared(trees).trees) sum += t.mean;
  return sum;
}

// Collects every leaf's unique path features and zero fractions; null if over budget.
function buildLeafTables(t: PreparedTree, maxEntries: number): LeafTables | null {
  const n = t.left.length;
  const nodeBit = new Int8Array(n).fill(-1);
  const leafSlot = new Int32Array(n).fill(-1);
  const leaves: { node: number; feats: number[]; z: number[] }[] = [];
  let entries = 0;
  const walk = (i: number, feats: number[], z: number[]): boolean => {
    if (t.left[i] === -1) {
      leafSlot[i] = leaves.length;
      leaves.push({ node: i, feats, z });
      entries += 1 << feats.length;
      return entries <= maxEntries;
    }
    let b = feats.indexOf(t.feature[i]);
    if (b < 0) {
      b = feats.length;
      if (b >= 20) return false; // 2^u would not fit any sane budget
      feats = [...feats, t.feature[i]];
      z = [...z, 1];
    }
    nodeBit[i] = b;
    const zl = z.slice();
    const zr = z.slice();
    zl[b] *= t.leftFrac[i];
    zr[b] *= t.rightFrac[i];
    return walk(t.left[i], feats, zl) && walk(t.right[i], feats, zr);
  };
  if (!walk(0, [], [])) return null;

  const leafU = new Uint8Array(leaves.length);
  const leafFeatOff = new Int32Array(leaves.length);
  const leafTabOff = new Int32Array(leaves.length);
  const feats = new Int32Array(leaves.reduce((a, l) => a + l.feats.length, 0));
  const tab = new Float64Array(2 * entries);
  let fo = 0;
  let to = 0;
  leaves.forEach((leaf, s) => {
    const u = leaf.feats.length;
    leafU[s] = u;
    leafFeatOff[s] = fo;
    leafTabOff[s] = to;
    feats.set(leaf.feats, fo);
    fillLeafTable(t.value[leaf.node], leaf.z, tab.subarray(to, to + (2 << u)));
    fo += u;
    to += 2 << u;
  });
  return { nodeBit, leafSlot, leafU, leafFeatOff, feats, leafTabOff, tab };
}

// Writes Cm(T) at tab[2T] and D(T) at tab[2T+1] (see LeafTables) for a leaf of value v.
function fillLeafTable(v: number, z: number[], tab: Float64Array) {
  const u = z.length;
  const size = 1 << u;
  const w = shapleyWeights(u);
  tab[2 * size - 1] = v; // first f(T) = v·Π_{b∉T} z_b in the D slots, from supersets down
  for (let T = size - 2; T >= 0; T--) {
    const b = 31 - Math.clz32(~T & (T + 1)); // lowest bit not in T
    tab[2 * T + 1] = tab[2 * (T | (1 << b)) + 1] * z[b];
  }
  for (let T = 0; T < size; T++) {
    let s = 0;
    for (let y = T; y; y &= y - 1) s++;
    const f = tab[2 * T + 1];
    const cm = s < u ? w[s] * f : 0;
    tab[2 * T] = cm;
    tab[2 * T + 1] = cm + (s > 0 ? w[s - 1] * f : 0);
  }
  for (let b = 0; b < u; b++) {
    const bit = 1 << b;
    for (let T = 0; T < size; T++) {
      if (T & bit) {
        tab[2 * T] += tab[2 * (T ^ bit)];
        tab[2 * T + 1] += tab[2 * (T ^ bit) + 1];
      }
    }
  }
}

const weightCache: Float64Array[] = [];
// w[s] = s!(u−s−1)!/u!: the Shapley weight of a coalition of size s among u players.
function shapleyWeights(u: number): Float64Array {
  let w = weightCache[u];
  if (!w) {
    const fact = [1];
    for (let i = 1; i <= u; i++) fact[i] = fact[i - 1] * i;
    w = new Float64Array(Math.max(u, 1));
    for (let s = 0; s < u; s++) w[s] = (fact[s] * fact[u - s - 1]) / fact[u];
    weightCache[u] = w;
  }
  return w;
}

function toFloat32(x: Float32Array | readonly number[]): Float32Array {
  return x instanceof Float32Array ? x : Float32Array.from(x);
}

function leafIndex(t: PreparedTree, x: Float32Array): number {
  let i = 0;
  while (t.left[i] !== -1) {
    const v = x[t.feature[i]];
    // NaN fails `<`, so test it explicitly to follow default_left.
    const goLeft = v !== v ? t.defaultLeft[i] === 1 : v < t.threshold[i];
    i = goLeft ? t.left[i] : t.right[i];
  }
  return i;
}

/** The trees' log-space output, summed in float32 from base_score exactly like XGBoost
 *  (explainRow adds the linear part, if any). */
export function predictRow(trees: Trees, baseScore: number, x: Float32Array | number[]): number {
  const xs = toFloat32(x);
  let acc = Math.fround(baseScore);
  for (const t of prepared(trees).trees) acc = Math.fround(acc + t.value[leafIndex(t, xs)]);
  return acc;
}

// ---- Leaf-table evaluator ----------------------------------------------------------------------

// Depth-first walk carrying the bits of the features whose split x did not follow.
function shapFromTables(
  t: PreparedTree,
  tab: LeafTables,
  x: Float32Array,
  phi: Float64Array,
  stack: Int32Array,
) {
  const { left, right, feature, threshold, defaultLeft } = t;
  const { nodeBit, leafSlot, leafU, leafFeatOff, feats, leafTabOff, tab: cd } = tab;
  let sp = 0;
  stack[sp++] = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const fail = stack[--sp];
    const node = stack[--sp];
    const l = left[node];
    if (l === -1) {
      const s = leafSlot[node];
      const u = leafU[s];
      const a = ((1 << u) - 1) & ~fail;
      const base = leafTabOff[s];
      const fo = leafFeatOff[s];
      const cmA = cd[base + 2 * a];
      const cpA = cd[base + 2 * a + 1] - cmA;
      for (let b = 0; b < u; b++) {
        const bit = 1 << b;
        phi[feats[fo + b]] += a & bit ? cpA - cd[base + 2 * (a ^ bit) + 1] : -cmA;
      }
      continue;
    }
    const v = x[feature[node]];
    const goLeft = v !== v ? defaultLeft[node] === 1 : v < threshold[node];
    const coldFail = fail | (1 << nodeBit[node]);
    stack[sp++] = goLeft ? right[node] : l;
    stack[sp++] = coldFail;
    stack[sp++] = goLeft ? l : right[node];
    stack[sp++] = fail;
  }
}

/** Adds the TreeSHAP values of one row to `phi` (length ≥ nFeatures). */
function treeShapInto(ens: PreparedEnsemble, x: Float32Array, phi: Float64Array) {
  const stack = stackFor(ens.maxDepth);
  for (const t of ens.trees) {
    if (t.left[0] === -1) continue; // a single leaf (e.g. base_score tree) explains nothing
    shapFromTables(t, t.tables, x, phi, stack);
  }
}

const stacks = new Map<number, Int32Array>();
function stackFor(maxDepth: number): Int32Array {
  let s = stacks.get(maxDepth);
  if (!s) stacks.set(maxDepth, (s = new Int32Array(4 * (maxDepth + 2))));
  return s;
}

/** φ per feature for one row: exact path-dependent TreeSHAP, summed over trees. */
export function treeShap(
  trees: Trees,
  x: Float32Array | number[],
  nFeatures: number,
): Float64Array {
  const ens = prepared(trees);
  if (ens.maxFeature >= nFeatures) {
    throw new Error(`trees split on feature ${ens.maxFeature} but nFeatures is ${nFeatures}`);
  }
  if (x.length < nFeatures) throw new Error(`row has ${x.length} values, need ${nFeatures}`);
  const phi = new Float64Array(nFeatures);
  treeShapInto(ens, toFloat32(x), phi);
  return phi;
}

/**
 * base + Σ contributions = prediction (the float32 tree walk, plus the linear part in double
 * when the ensemble has one), up to float rounding.
 */
export function explainRow(
  trees: Trees,
  baseScore: number,
  x: Float32Array | number[],
  nFeatures: number,
): RowExplanation {
  const ens = prepared(trees);
  const xs = toFloat32(x);
  const contributions = treeShap(ens, xs, nFeatures);
  let base = expectedValue(ens, baseScore);
  let prediction = predictRow(ens, baseScore, xs);
  if (ens.linear) {
    addLinearContributions(ens.linear, xs, contributions);
    base += linearBase(ens.linear);
    prediction += linearPredict(ens.linear, xs);
  }
  return { base, contributions, prediction };
}
