// Reference oracle for app/ml/explain.ts: Algorithm 2 of Lundberg et al. (2018), path-dependent
// TreeSHAP with EXTEND/UNWIND, written over the raw explain trees. It is exact (O(leaves ×
// depth²) per row, no tables) and works where brute-force Shapley values cannot (the bundle's
// 80+ features). Served models never use it: the app explains with leaf tables only.
import type { ExplainTree } from "~/ml/explain";

type Path = { fi: number[]; zf: number[]; of: number[]; pw: number[] };

function extend(p: Path, zf: number, of: number, fi: number): Path {
  const d = p.fi.length;
  const next: Path = {
    fi: [...p.fi, fi],
    zf: [...p.zf, zf],
    of: [...p.of, of],
    pw: [...p.pw, d === 0 ? 1 : 0],
  };
  for (let i = d - 1; i >= 0; i--) {
    next.pw[i + 1] += (of * next.pw[i] * (i + 1)) / (d + 1);
    next.pw[i] = (zf * next.pw[i] * (d - i)) / (d + 1);
  }
  return next;
}

function unwind(p: Path, k: number): Path {
  const d = p.fi.length - 1;
  const pw = p.pw.slice();
  const zf = p.zf[k];
  const of = p.of[k];
  let next = pw[d];
  for (let i = d - 1; i >= 0; i--) {
    if (of !== 0) {
      const tmp = pw[i];
      pw[i] = (next * (d + 1)) / ((i + 1) * of);
      next = tmp - (pw[i] * zf * (d - i)) / (d + 1);
    } else {
      pw[i] = (pw[i] * (d + 1)) / (zf * (d - i));
    }
  }
  const drop = <T>(a: T[]) => a.filter((_, i) => i !== k);
  return { fi: drop(p.fi), zf: drop(p.zf), of: drop(p.of), pw: pw.slice(0, d) };
}

function unwoundSum(p: Path, k: number): number {
  const d = p.fi.length - 1;
  const zf = p.zf[k];
  const of = p.of[k];
  let total = 0;
  if (of !== 0) {
    let next = p.pw[d];
    for (let i = d - 1; i >= 0; i--) {
      const tmp = (next * (d + 1)) / ((i + 1) * of);
      total += tmp;
      next = p.pw[i] - (tmp * zf * (d - i)) / (d + 1);
    }
  } else if (zf !== 0) {
    for (let i = d - 1; i >= 0; i--) total += (p.pw[i] * (d + 1)) / (d - i);
    total /= zf;
  }
  return total;
}

function goesLeft(t: ExplainTree, node: number, x: Float32Array): boolean {
  const v = x[t.feature[node]];
  return Number.isNaN(v) ? t.default_left[node] === 1 : v < Math.fround(t.threshold[node]);
}

function recurse(
  t: ExplainTree,
  x: Float32Array,
  phi: Float64Array,
  node: number,
  parent: Path,
  zf: number,
  of: number,
  fi: number,
) {
  let path = extend(parent, zf, of, fi);
  if (t.left[node] === -1) {
    for (let i = 1; i < path.fi.length; i++) {
      const w = unwoundSum(path, i);
      phi[path.fi[i]] += w * (path.of[i] - path.zf[i]) * t.value[node];
    }
    return;
  }
  const left = goesLeft(t, node, x);
  const [hot, cold] = left ? [t.left[node], t.right[node]] : [t.right[node], t.left[node]];
  const cover = t.cover[node];
  const f = t.feature[node];
  let inZ = 1;
  let inO = 1;
  const k = path.fi.indexOf(f, 1);
  if (k > 0) {
    inZ = path.zf[k];
    inO = path.of[k];
    path = unwind(path, k);
  }
  recurse(t, x, phi, hot, path, (t.cover[hot] / cover) * inZ, inO, f);
  recurse(t, x, phi, cold, path, (t.cover[cold] / cover) * inZ, 0, f);
}

/** φ per feature for one row, summed over the trees (single-leaf trees contribute nothing). */
export function oracleTreeShap(
  trees: readonly ExplainTree[],
  x: ArrayLike<number>,
  nFeatures: number,
): Float64Array {
  const xs = Float32Array.from(x);
  const phi = new Float64Array(nFeatures);
  const root: Path = { fi: [], zf: [], of: [], pw: [] };
  for (const t of trees) {
    if (t.left[0] !== -1) recurse(t, xs, phi, 0, root, 1, 1, -1);
  }
  return phi;
}
