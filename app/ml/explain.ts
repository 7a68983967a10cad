// Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2) for an XGBoost ensemble,
// matching XGBoost's `pred_contribs`: node routing is XGBoost's float32 `x < threshold` with
// NaN following `default_left`, and the conditional expectation weights children by their
// cover (sum_hessian) relative to the parent's. Pure TS (no node: imports); per-row work only
// walks typed arrays prepared once per ensemble.

export type ExplainTree = {
  left: number[];
  right: number[]; // child node ids; leaf ⇔ left[i] === -1
  feature: number[]; // split feature index (internal nodes)
  threshold: number[]; // float32 threshold: go left iff x < threshold
  default_left: number[]; // 0|1: where a missing value (NaN) goes
  value: number[]; // leaf value for leaves (0 for internal nodes)
  cover: number[]; // XGBoost sum_hessian per node
};

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
};

export type PreparedEnsemble = {
  readonly trees: readonly PreparedTree[];
  readonly maxDepth: number; // internal nodes on the longest root-to-leaf path
  readonly maxFeature: number; // largest split feature index (-1 if no splits)
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
export function prepareTrees(trees: readonly ExplainTree[]): PreparedEnsemble {
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
    return p;
  });
  return { trees: out, maxDepth, maxFeature };
}

/** base_score + Σ per-tree cover-weighted mean leaf value: XGBoost's pred_contribs bias. */
export function expectedValue(trees: Trees, baseScore: number): number {
  let sum = baseScore;
  for (const t of prepared(trees).trees) sum += t.mean;
  return sum;
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

/** The model's log-space output, summed in float32 from base_score exactly like XGBoost. */
export function predictRow(trees: Trees, baseScore: number, x: Float32Array | number[]): number {
  const xs = toFloat32(x);
  let acc = Math.fround(baseScore);
  for (const t of prepared(trees).trees) acc = Math.fround(acc + t.value[leafIndex(t, xs)]);
  return acc;
}

// ---- TreeSHAP core -------------------------------------------------------------------------
// The "unique path" of the paper is stored as parallel typed arrays; every recursion level
// works on its own copy at a higher offset (like XGBoost's unique_path_data), so siblings
// see their parent's path untouched.

type Workspace = { fi: Int32Array; zf: Float64Array; of: Float64Array; pw: Float64Array };

const workspaces = new Map<number, Workspace>();

function workspace(maxDepth: number): Workspace {
  let ws = workspaces.get(maxDepth);
  if (!ws) {
    // Level k starts at ≤ 1 + k(k+1)/2 + k and holds ≤ k+1 elements.
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2 + 2;
    ws = {
      fi: new Int32Array(size),
      zf: new Float64Array(size),
      of: new Float64Array(size),
      pw: new Float64Array(size),
    };
    workspaces.set(maxDepth, ws);
  }
  return ws;
}

function extendPath(ws: Workspace, p: number, d: number, zf: number, of: number, fi: number) {
  const pw = ws.pw;
  ws.fi[p + d] = fi;
  ws.zf[p + d] = zf;
  ws.of[p + d] = of;
  pw[p + d] = d === 0 ? 1 : 0;
  for (let i = d - 1; i >= 0; i--) {
    pw[p + i + 1] += (of * pw[p + i] * (i + 1)) / (d + 1);
    pw[p + i] = (zf * pw[p + i] * (d - i)) / (d + 1);
  }
}

function unwindPath(ws: Workspace, p: number, d: number, k: number) {
  const pw = ws.pw;
  const of = ws.of[p + k];
  const zf = ws.zf[p + k];
  let next = pw[p + d];
  for (let i = d - 1; i >= 0; i--) {
    if (of !== 0) {
      const tmp = pw[p + i];
      pw[p + i] = (next * (d + 1)) / ((i + 1) * of);
      next = tmp - (pw[p + i] * zf * (d - i)) / (d + 1);
    } else {
      pw[p + i] = (pw[p + i] * (d + 1)) / (zf * (d - i));
    }
  }
  for (let i = k; i < d; i++) {
    ws.fi[p + i] = ws.fi[p + i + 1];
    ws.zf[p + i] = ws.zf[p + i + 1];
    ws.of[p + i] = ws.of[p + i + 1];
  }
}

// Σ of the path weights as if element k were unwound, without modifying the path.
function unwoundPathSum(ws: Workspace, p: number, d: number, k: number): number {
  const pw = ws.pw;
  const of = ws.of[p + k];
  const zf = ws.zf[p + k];
  let next = pw[p + d];
  let total = 0;
  if (of !== 0) {
    for (let i = d - 1; i >= 0; i--) {
      const tmp = (next * (d + 1)) / ((i + 1) * of);
      total += tmp;
      next = pw[p + i] - (tmp * zf * (d - i)) / (d + 1);
    }
  } else if (zf !== 0) {
    for (let i = d - 1; i >= 0; i--) total += (pw[p + i] * (d + 1)) / (zf * (d - i));
  } // both zero (cold child with zero cover): all weights are 0 and so is the sum
  return total;
}

function recurse(
  t: PreparedTree,
  x: Float32Array,
  phi: Float64Array,
  ws: Workspace,
  node: number,
  parentOff: number,
  d: number,
  zf: number,
  of: number,
  fi: number,
) {
  const off = parentOff + d + 1;
  for (let i = 0; i < d; i++) {
    ws.fi[off + i] = ws.fi[parentOff + i];
    ws.zf[off + i] = ws.zf[parentOff + i];
    ws.of[off + i] = ws.of[parentOff + i];
    ws.pw[off + i] = ws.pw[parentOff + i];
  }
  extendPath(ws, off, d, zf, of, fi);

  const left = t.left[node];
  if (left === -1) {
    const v = t.value[node];
    for (let i = 1; i <= d; i++) {
      const w = unwoundPathSum(ws, off, d, i);
      phi[ws.fi[off + i]] += w * (ws.of[off + i] - ws.zf[off + i]) * v;
    }
    return;
  }

  const f = t.feature[node];
  const xv = x[f];
  const goLeft = xv !== xv ? t.defaultLeft[node] === 1 : xv < t.threshold[node];
  const hot = goLeft ? left : t.right[node];
  const cold = goLeft ? t.right[node] : left;
  const hotFrac = goLeft ? t.leftFrac[node] : t.rightFrac[node];
  const coldFrac = goLeft ? t.rightFrac[node] : t.leftFrac[node];

  // A feature already split on above: undo that split and fold its fractions into this one.
  let inZ = 1;
  let inO = 1;
  let k = 1; // element 0 is the root's dummy (feature -1)
  while (k <= d && ws.fi[off + k] !== f) k++;
  if (k <= d) {
    inZ = ws.zf[off + k];
    inO = ws.of[off + k];
    unwindPath(ws, off, d, k);
    d -= 1;
  }
  recurse(t, x, phi, ws, hot, off, d + 1, hotFrac * inZ, inO, f);
  recurse(t, x, phi, ws, cold, off, d + 1, coldFrac * inZ, 0, f);
}

/** Adds the TreeSHAP values of one row to `phi` (length ≥ nFeatures). */
function treeShapInto(ens: PreparedEnsemble, x: Float32Array, phi: Float64Array) {
  const ws = workspace(ens.maxDepth);
  for (const t of ens.trees) {
    if (t.left[0] === -1) continue; // a single leaf (e.g. base_score tree) explains nothing
    recurse(t, x, phi, ws, 0, 0, 0, 1, 1, -1);
  }
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

/** base + Σ contributions = prediction (the float32 tree walk), up to float rounding. */
export function explainRow(
  trees: Trees,
  baseScore: number,
  x: Float32Array | number[],
  nFeatures: number,
): RowExplanation {
  const ens = prepared(trees);
  const xs = toFloat32(x);
  return {
    base: expectedValue(ens, baseScore),
    contributions: treeShap(ens, xs, nFeatures),
    prediction: predictRow(ens, baseScore, xs),
  };
}

/** Sums feature contributions into human-readable factors, largest |value| first. */
export function groupContributions(
  contributions: ArrayLike<number>,
  featureNames: readonly string[],
  factorOf: (name: string) => string,
): { factor: string; value: number }[] {
  if (contributions.length !== featureNames.length) {
    throw new Error(`${contributions.length} contributions for ${featureNames.length} features`);
  }
  const sums = new Map<string, number>();
  featureNames.forEach((name, i) => {
    const factor = factorOf(name);
    sums.set(factor, (sums.get(factor) ?? 0) + contributions[i]);
  });
  return [...sums]
    .map(([factor, value]) => ({ factor, value }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || (a.factor < b.factor ? -1 : 1));
}
