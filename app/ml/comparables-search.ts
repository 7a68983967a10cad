// The exact nearest-sales search behind comparables.ts: a k-d tree over the fitted sales in
// score units, so an estimate visits a few hundred sales instead of all of them. Every estimate
// needs it (the interval and the "few similar homes" warning use the distance to the nearest
// sales), so it sits on the hot path: a linear scan of the 2,584 sales took ~40 µs per estimate,
// more than the prediction itself; this takes a few (ADR 0023). Pure.
//
// The answer is the linear scan's, bit for bit: each visited sale's squared score is computed
// with the scan's own expression (term by term, in its order), sales are ranked by (score,
// index), and a subtree is skipped only when a lower bound of its scores, less a margin far above
// rounding, exceeds the current k-th best.

/** Per sale, in the index's order: the raw values the score compares. */
export type SearchColumns = {
  nb: Int32Array;
  y: Float64Array; // km north
  x: Float64Array; // km east
  logArea: Float64Array;
  built: Float64Array;
  beds: Float64Array;
  baths: Float64Array;
  month: Float64Array; // months since year 0
};

/** The subject in the same terms. */
export type SearchSubject = {
  nb: number;
  y: number;
  x: number;
  logArea: number;
  built: number;
  beds: number;
  baths: number;
  month: number;
};

/** Units of dissimilarity per term (comparables.ts SCALES). */
export type SearchScales = {
  km: number;
  logArea: number;
  yearBuilt: number;
  bedrooms: number;
  baths: number;
  months: number;
  otherNeighborhood: number;
};

const DIMS = 7;
const LEAF_SIZE = 8;
const REST = 6;
/** Bounds are computed in pre-divided coordinates; rounding there is ~1e-13, far below this. */
const MARGIN = 1e-9;

export type SearchTree = {
  cols: SearchColumns;
  scales: SearchScales;
  /** Tree position → sale index. */
  order: Int32Array;
  /**
   * Per tree position, contiguous copies of the columns: y, x in `geo` (most sales are ruled
   * out by these two alone, so a rejected sale costs 16 bytes of memory traffic), then logArea,
   * built, beds, baths, month, nb in `rest`.
   */
  geo: Float64Array;
  rest: Float64Array;
  /** Per node: its positions [lo, hi), children (-1: leaf), box (DIMS mins then maxes). */
  lo: Int32Array;
  hi: Int32Array;
  left: Int32Array;
  right: Int32Array;
  /** Float32, rounded outwards: a looser box is still a valid bound, at half the memory. */
  box: Float32Array;
  /** Root node of each neighbourhood's tree (-1: no sale there). */
  roots: Int32Array;
  /** Set by searchTree: it stopped once the top-k's mean score was at most `stopAtMean`. */
  stopped: boolean;
  stopAtMean: number;
  /** Sales whose score the last search computed (the tree's whole point: few of them). */
  visited: number;
  /** Scratch: top-k (score², index), the query point, the traversal stack. */
  bestD: Float64Array;
  bestI: Int32Array;
  q: Float64Array;
  stackNode: Int32Array;
  stackLb: Float64Array;
};

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** The float32 next to `x` towards −∞ (`down`) or +∞, when rounding went the other way. */
function float32Toward(x: number, down: boolean): number {
  f32[0] = x;
  const f = f32[0];
  if (down ? f <= x : f >= x) return f;
  if (f === 0) {
    bits[0] = down ? 0x80000001 : 1; // the smallest subnormal below / above zero
  } else {
    bits[0] += f > 0 === down ? -1 : 1; // one unit of the last place, away from x's side
  }
  return f32[0];
}
const float32Down = (x: number) => float32Toward(x, true);
const float32Up = (x: number) => float32Toward(x, false);

/** A sale or the subject in pre-divided coordinates (for the tree's bounds only). */
function coordsOf(v: Omit<SearchSubject, "nb">, s: SearchScales, out: Float64Array, at = 0): void {
  out[at] = v.y / s.km;
  out[at + 1] = v.x / s.km;
  out[at + 2] = v.logArea / s.logArea;
  out[at + 3] = v.built / s.yearBuilt;
  out[at + 4] = v.beds / s.bedrooms;
  out[at + 5] = v.baths / s.baths;
  out[at + 6] = v.month / s.months;
}

export function buildSearchTree(
  cols: SearchColumns,
  scales: SearchScales,
  nNeighborhoods: number,
  k: number,
): SearchTree {
  const n = cols.y.length;
  const pts = new Float64Array(n * DIMS);
  for (let i = 0; i < n; i++) {
    const { y, x, logArea, built, beds, baths, month } = cols;
    coordsOf(
      {
        y: y[i],
        x: x[i],
        logArea: logArea[i],
        built: built[i],
        beds: beds[i],
        baths: baths[i],
        month: month[i],
      },
      scales,
      pts,
      i * DIMS,
    );
  }
  // One tree per neighbourhood: a sale in another one scores at least one unit more, so after
  // the subject's own neighbourhood most others are ruled out by their root's box alone.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => cols.nb[a] - cols.nb[b] || a - b,
  );
  const maxNodes = 2 * n + nNeighborhoods + 1; // a binary tree over ≥ 1 sale per leaf
  const lo = new Int32Array(maxNodes);
  const hi = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const right = new Int32Array(maxNodes).fill(-1);
  const box = new Float64Array(maxNodes * 2 * DIMS); // exact while building
  let nodes = 0;
  const build = (from: number, to: number, depth: number): number => {
    const id = nodes++;
    lo[id] = from;
    hi[id] = to;
    for (let d = 0; d < DIMS; d++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let p = from; p < to; p++) {
        const v = pts[order[p] * DIMS + d];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      box[id * 2 * DIMS + d] = mn;
      box[id * 2 * DIMS + DIMS + d] = mx;
    }
    if (to - from <= LEAF_SIZE || depth > 40) return id;
    // Split the widest side at the median.
    let dim = 0;
    let widest = -1;
    for (let d = 0; d < DIMS; d++) {
      const w = box[id * 2 * DIMS + DIMS + d] - box[id * 2 * DIMS + d];
      if (w > widest) {
        widest = w;
        dim = d;
      }
    }
    if (widest <= 0) return id;
    const part = Array.from(order.subarray(from, to)).sort(
      (a, b) => pts[a * DIMS + dim] - pts[b * DIMS + dim] || a - b,
    );
    order.set(part, from);
    const mid = (from + to) >> 1;
    left[id] = build(from, mid, depth + 1);
    right[id] = build(mid, to, depth + 1);
    return id;
  };
  const roots = new Int32Array(nNeighborhoods).fill(-1);
  for (let from = 0; from < n;) {
    let to = from;
    while (to < n && cols.nb[order[to]] === cols.nb[order[from]]) to++;
    roots[cols.nb[order[from]]] = build(from, to, 0);
    from = to;
  }
  const box32 = new Float32Array(nodes * 2 * DIMS);
  for (let id = 0; id < nodes; id++) {
    for (let d = 0; d < DIMS; d++) {
      box32[id * 2 * DIMS + d] = float32Down(box[id * 2 * DIMS + d]);
      box32[id * 2 * DIMS + DIMS + d] = float32Up(box[id * 2 * DIMS + DIMS + d]);
    }
  }
  const geo = new Float64Array(n * 2);
  const rest = new Float64Array(n * REST);
  order.forEach((i, p) => {
    const { y, x, logArea, built, beds, baths, month, nb } = cols;
    geo.set([y[i], x[i]], p * 2);
    rest.set([logArea[i], built[i], beds[i], baths[i], month[i], nb[i]], p * REST);
  });
  return {
    cols,
    scales,
    order,
    geo,
    rest,
    stopped: false,
    stopAtMean: -Infinity,
    visited: 0,
    lo,
    hi,
    left,
    right,
    box: box32,
    roots,
    bestD: new Float64Array(k),
    bestI: new Int32Array(k),
    q: new Float64Array(DIMS),
    stackNode: new Int32Array(nodes + nNeighborhoods + 64),
    stackLb: new Float64Array(nodes + nNeighborhoods + 64),
  };
}

/**
 * A lower bound of the squared score of any sale under `node` (`extra`: its neighbourhood's
 * term); it stops adding once above `limit` (still a lower bound, and enough to skip the node).
 */
function lowerBound(t: SearchTree, node: number, extra: number, limit: number): number {
  const { box, q } = t;
  const base = node * 2 * DIMS;
  let lb = extra;
  for (let d = 0; d < DIMS; d++) {
    const v = q[d];
    const mn = box[base + d];
    const mx = box[base + DIMS + d];
    const g = v < mn ? mn - v : v > mx ? v - mx : 0;
    lb += g * g;
    if (lb > limit) return lb;
  }
  return lb;
}

/**
 * Depth-first walk of one neighbourhood's tree (nearer child first), adding its sales to the
 * top-k that already holds `filled`; returns the new count.
 */
function walk(
  t: SearchTree,
  s: SearchSubject,
  kk: number,
  root: number,
  extra: number,
  filled: number,
): number {
  const { scales, order, geo, rest, lo, hi, left, right, bestD, bestI, stackNode, stackLb } = t;
  const { km, logArea: kArea, yearBuilt: kBuilt, bedrooms: kBeds, baths: kBaths } = scales;
  const { months: kMonths, otherNeighborhood: kNb } = scales;
  let kth = filled === kk ? bestD[kk - 1] : Infinity;
  let sp = 0;
  stackNode[sp] = root;
  stackLb[sp++] = extra;
  while (sp > 0) {
    const node = stackNode[--sp];
    if (stackLb[sp] - MARGIN > kth) continue;
    const l = left[node];
    if (l >= 0) {
      const r = right[node];
      const lbL = lowerBound(t, l, extra, kth + MARGIN);
      const lbR = lowerBound(t, r, extra, kth + MARGIN);
      // The nearer child is visited first (pushed last).
      const leftFirst = lbL <= lbR;
      const farLb = leftFirst ? lbR : lbL;
      const nearLb = leftFirst ? lbL : lbR;
      if (farLb - MARGIN <= kth) {
        stackNode[sp] = leftFirst ? r : l;
        stackLb[sp++] = farLb;
      }
      if (nearLb - MARGIN <= kth) {
        stackNode[sp] = leftFirst ? l : r;
        stackLb[sp++] = nearLb;
      }
      continue;
    }
    t.visited += hi[node] - lo[node];
    for (let p = lo[node], end = hi[node]; p < end; p++) {
      // The linear scan's expression, summed in its order (a partial sum never exceeds the whole).
      const dy = (geo[2 * p] - s.y) / km;
      const dx = (geo[2 * p + 1] - s.x) / km;
      let d = dy * dy + dx * dx;
      if (d > kth) continue;
      const o = p * REST;
      const da = (rest[o] - s.logArea) / kArea;
      d += da * da;
      if (d > kth) continue;
      const db = (rest[o + 1] - s.built) / kBuilt;
      d += db * db;
      if (d > kth) continue;
      const dr = (rest[o + 2] - s.beds) / kBeds;
      const dh = (rest[o + 3] - s.baths) / kBaths;
      const dm = (rest[o + 4] - s.month) / kMonths;
      const dn = rest[o + 5] === s.nb ? 0 : kNb;
      d = d + dr * dr + dh * dh + dm * dm + dn * dn;
      const i = order[p];
      if (filled === kk && (d > kth || (d === kth && i > bestI[kk - 1]))) continue;
      let j = filled < kk ? filled++ : kk - 1;
      while (j > 0 && (bestD[j - 1] > d || (bestD[j - 1] === d && bestI[j - 1] > i))) {
        bestD[j] = bestD[j - 1];
        bestI[j] = bestI[j - 1];
        j--;
      }
      bestD[j] = d;
      bestI[j] = i;
      if (filled === kk) {
        kth = bestD[kk - 1];
        if (meanScore(bestD, kk) <= t.stopAtMean) {
          t.stopped = true;
          return filled;
        }
      }
    }
  }
  return filled;
}

/**
 * The mean score (root of the squared one) of the first `k` entries, summed in rank order: what
 * comparables.ts similarityDistance computes from the comparables.
 */
export function meanScore(bestD: Float64Array, k: number): number {
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.sqrt(bestD[j]);
  return sum / k;
}

/**
 * Fills t.bestD / t.bestI with the (up to) `kk` sales of the smallest squared score, ranked by
 * (score, index), and returns how many: the subject's own neighbourhood first, then each other
 * one whose box can still hold a closer sale. With `stopAtMean`, it stops (t.stopped) as soon as
 * the mean score of a full top-k is at most that: the true top-k's is then too (each of its
 * scores is at most the one of the same rank found so far, and sums of such are in order).
 */
export function searchTree(
  t: SearchTree,
  s: SearchSubject,
  kk: number,
  stopAtMean = -Infinity,
): number {
  t.stopped = false;
  t.stopAtMean = stopAtMean;
  t.visited = 0;
  if (t.order.length === 0 || kk <= 0) return 0;
  coordsOf(s, t.scales, t.q);
  const roots = t.roots;
  const other = t.scales.otherNeighborhood * t.scales.otherNeighborhood;
  let filled = 0;
  if (s.nb >= 0 && s.nb < roots.length && roots[s.nb] >= 0) {
    filled = walk(t, s, kk, roots[s.nb], 0, 0);
    if (t.stopped) return filled;
  }
  for (let b = 0; b < roots.length; b++) {
    if (roots[b] < 0 || b === s.nb) continue;
    const kth = filled === kk ? t.bestD[kk - 1] : Infinity;
    if (lowerBound(t, roots[b], other, kth + MARGIN) - MARGIN > kth) continue;
    filled = walk(t, s, kk, roots[b], other, filled);
    if (t.stopped) return filled;
  }
  return filled;
}
