import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  type ExplainTree,
  expectedValue,
  explainRow,
  groupContributions,
  predictRow,
  prepareTrees,
  treeShap,
} from "~/ml/explain";
import { oracleTreeShap } from "./treeshap-oracle";

// ---- Reference: brute-force Shapley values of the path-dependent game ------------------------
// v(S) = E[f(x) | x_S] where unknown features split the weight by child cover / node cover.
// Written independently of the implementation (plain recursion, subset enumeration).

function goesLeft(t: ExplainTree, node: number, x: number[]): boolean {
  const v = Math.fround(x[t.feature[node]]);
  return Number.isNaN(v) ? t.default_left[node] === 1 : v < Math.fround(t.threshold[node]);
}

function condExpect(t: ExplainTree, node: number, x: number[], known: Set<number>): number {
  if (t.left[node] === -1) return t.value[node];
  const [l, r] = [t.left[node], t.right[node]];
  if (known.has(t.feature[node])) return condExpect(t, goesLeft(t, node, x) ? l : r, x, known);
  return (
    (t.cover[l] * condExpect(t, l, x, known) + t.cover[r] * condExpect(t, r, x, known)) /
    t.cover[node]
  );
}

function bruteShap(trees: ExplainTree[], x: number[], m: number): number[] {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const v = (s: Set<number>) => trees.reduce((acc, t) => acc + condExpect(t, 0, x, s), 0);
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    const others = [...Array(m).keys()].filter((j) => j !== i);
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const s = new Set(others.filter((_, b) => mask & (1 << b)));
      const weight = (fact(s.size) * fact(m - s.size - 1)) / fact(m);
      phi[i] += weight * (v(new Set([...s, i])) - v(s));
    }
  }
  return phi;
}

function walk(trees: ExplainTree[], x: number[]): number {
  return trees.reduce((acc, t) => {
    let n = 0;
    while (t.left[n] !== -1) n = goesLeft(t, n, x) ? t.left[n] : t.right[n];
    return acc + t.value[n];
  }, 0);
}

// ---- Hand-built trees --------------------------------------------------------------------------
// Node lists in id order: [feature, threshold, default_left, cover, left, right] for internal
// nodes, [value, cover] for leaves.
type Spec = ([number, number, number, number, number, number] | [number, number])[];
function tree(spec: Spec): ExplainTree {
  const t: ExplainTree = {
    left: [],
    right: [],
    feature: [],
    threshold: [],
    default_left: [],
    value: [],
    cover: [],
  };
  for (const s of spec) {
    const leaf = s.length === 2;
    t.left.push(leaf ? -1 : s[4]);
    t.right.push(leaf ? -1 : s[5]);
    t.feature.push(leaf ? 0 : s[0]);
    t.threshold.push(leaf ? 0 : Math.fround(s[1]));
    t.default_left.push(leaf ? 0 : s[2]);
    t.value.push(leaf ? s[0] : 0);
    t.cover.push(leaf ? s[1] : s[3]);
  }
  return t;
}

// depth 1, one feature
const stump = tree([
  [0, 0.5, 1, 10, 1, 2],
  [-1, 3],
  [2, 7],
]);
// depth 2, two features, unequal covers, missing goes right at the root
const depth2 = tree([
  [1, 2.5, 0, 100, 1, 2],
  [0, 0.1, 1, 30, 3, 4],
  [2, -1, 0, 70, 5, 6],
  [0.4, 10],
  [-0.2, 20],
  [1.5, 60],
  [-0.7, 10],
]);
// depth 3 with feature 0 used twice on the same path (root and grandchild)
const repeated = tree([
  [0, 1, 0, 50, 1, 2],
  [1, 0, 1, 20, 3, 4],
  [0, 3, 1, 30, 5, 6],
  [0, 2, 0, 12, 7, 8],
  [0.3, 8],
  [-0.5, 18],
  [2.2, 12],
  [1.1, 5],
  [-1.3, 7],
]);
// depth 3, four features, with a node whose covers do not add up (XGBoost rounding can do that)
const depth3 = tree([
  [3, 0, 1, 40, 1, 2],
  [2, 5, 0, 25, 3, 4],
  [1, 1, 1, 15.5, 5, 6],
  [0, 0.25, 1, 10, 7, 8],
  [0.9, 15],
  [0.05, 9],
  [-0.6, 6],
  [1.7, 4],
  [-2.1, 6],
]);
const handBuilt = [stump, depth2, repeated, depth3];

const rows: number[][] = [
  [0, 0, 0, 0],
  [0.6, 3, -2, 1],
  [NaN, NaN, NaN, NaN],
  [2, -1, 7, NaN],
  [0.25, 2.5, -1, 0], // exactly on thresholds: x < t is false, goes right
  [NaN, 0.5, 6, -3],
  [1.5, NaN, 0, 0.5],
];

describe("treeShap on hand-built trees", () => {
  for (const [name, trees] of [
    ["stump", [stump]],
    ["depth 2", [depth2]],
    ["repeated feature", [repeated]],
    ["depth 3 with inconsistent covers", [depth3]],
    ["ensemble", handBuilt],
  ] as const) {
    it(`${name}: equals brute-force Shapley values and the oracle, and sums to f(x)`, () => {
      const ens = prepareTrees(trees);
      for (const x of rows) {
        const phi = treeShap(ens, x, 4);
        const expected = bruteShap([...trees], x, 4);
        const oracle = oracleTreeShap(trees, x, 4);
        for (let i = 0; i < 4; i++) {
          expect(Math.abs(phi[i] - expected[i])).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(oracle[i] - expected[i])).toBeLessThanOrEqual(1e-9);
        }
        const total = expectedValue(ens, 0) + phi.reduce((a, b) => a + b, 0);
        expect(total).toBeCloseTo(walk([...trees], x), 9);
      }
    });
  }

  it("refuses, when the bundle loads, a tree whose leaf tables exceed the memory budget", () => {
    // `repeated` has leaves 4, 7, 8 with u = 2 and 5, 6 with u = 1 → Σ 2^u = 16 entries.
    expect(prepareTrees([repeated], { maxTableEntries: 16 }).trees[0].tables.tab).toHaveLength(32);
    expect(() => prepareTrees([repeated], { maxTableEntries: 15 })).toThrow(
      /tree 0: its SHAP leaf tables need more than 15 entries/,
    );
  });

  it("stump: the only feature takes f(x) - E[f]", () => {
    // E = (3*-1 + 7*2)/10 = 1.1; x=0 < 0.5 → left leaf -1
    expect(expectedValue([stump], 0.5)).toBeCloseTo(1.6, 12);
    expect(treeShap([stump], [0], 1)[0]).toBeCloseTo(-2.1, 12);
    expect(treeShap([stump], [NaN], 1)[0]).toBeCloseTo(-2.1, 12); // default_left
    expect(treeShap([stump], [0.5], 1)[0]).toBeCloseTo(0.9, 12);
  });

  it("missing values follow default_left in both directions", () => {
    // depth2 root (feature 1) sends NaN right, its right child (feature 2) sends NaN right.
    const right = treeShap([depth2], [0, NaN, NaN, 0], 4);
    const explicit = treeShap([depth2], [0, 99, 99, 0], 4);
    expect([...right]).toEqual([...explicit]);
    // depth3 root (feature 3) sends NaN left, like a value below 0.
    expect([...treeShap([depth3], [0, 0, 0, NaN], 4)]).toEqual([
      ...treeShap([depth3], [0, 0, 0, -5], 4),
    ]);
    expect(treeShap([depth2], [0, NaN, NaN, 0], 4)[1]).not.toBeCloseTo(
      treeShap([depth2], [0, 0, NaN, 0], 4)[1],
    );
  });

  it("compares x as float32, like XGBoost", () => {
    // 0.1 is not a float32; fround(0.1) is the stored threshold, and x = 0.1 rounds onto it.
    const t = tree([
      [0, 0.1, 0, 2, 1, 2],
      [-1, 1],
      [1, 1],
    ]);
    expect(predictRow([t], 0, [0.1])).toBe(1);
    expect(predictRow([t], 0, new Float32Array([0.1]))).toBe(1);
    expect(predictRow([t], 0, [0.09999999])).toBe(-1);
  });
});

describe("explainRow", () => {
  it("base + Σ contributions equals the float32 prediction", () => {
    for (const x of rows) {
      const r = explainRow(handBuilt, 10.5, x, 4);
      let acc = Math.fround(10.5);
      for (const t of handBuilt) acc = Math.fround(acc + walk([t], x));
      expect(r.prediction).toBe(acc);
      const sum = r.base + r.contributions.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - r.prediction)).toBeLessThanOrEqual(1e-4);
      expect(r.base).toBeCloseTo(10.5 + handBuilt.reduce((a, t) => a + expectedValue([t], 0), 0));
    }
  });

  it("accepts a prepared ensemble and gives identical results", () => {
    const ens = prepareTrees(handBuilt);
    expect(ens.maxDepth).toBe(3);
    expect(ens.maxFeature).toBe(3);
    const x = [0.6, 3, -2, 1];
    expect(explainRow(ens, 1, x, 4)).toEqual(explainRow(handBuilt, 1, x, 4));
  });

  it("rejects rows and feature counts that do not fit the trees", () => {
    expect(() => treeShap(handBuilt, [1, 2, 3, 4], 3)).toThrow(/feature 3/);
    expect(() => treeShap(handBuilt, [1, 2, 3], 4)).toThrow(/3 values/);
  });
});

describe("prepareTrees validation", () => {
  it("rejects malformed trees", () => {
    const bad = (patch: Partial<ExplainTree>) => () => prepareTrees([{ ...depth2, ...patch }]);
    expect(bad({ cover: [0, 30, 70, 10, 20, 60, 10] })).toThrow(/cover/);
    expect(bad({ left: [1, 3, 5, -1, -1, 9, -1] })).toThrow(/bad node id 9/);
    expect(bad({ left: [1, 0, 5, -1, -1, -1, -1] })).toThrow(/reached twice/);
    expect(bad({ value: [0, 0] })).toThrow(/value has 2 nodes/);
  });

  it("a single-leaf tree shifts base and prediction but explains nothing", () => {
    const leaf = tree([[0.25, 5]]);
    const r = explainRow([leaf, stump], 0, [0.7], 1);
    expect(r.base).toBeCloseTo(0.25 + 1.1, 12);
    expect(r.prediction).toBe(Math.fround(0.25 + 2));
    expect(r.contributions[0]).toBeCloseTo(0.9, 12);
  });
});

// ---- Random trees property test ----------------------------------------------------------------

const N_FEATURES = 5;
const THRESHOLDS = [-1, 0, 0.5, 1, 2.5].map(Math.fround); // few values → ties and repeats

type RandNode =
  | { leaf: true; value: number; cover: number }
  | { leaf: false; feature: number; threshold: number; dl: number; l: RandNode; r: RandNode };

// Mostly internal nodes (weight 3:1) down to depth 5, where a leaf is forced.
const nodeArb = fc.letrec<{ node: RandNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthSize: "small", withCrossShrink: true },
    {
      weight: 1,
      arbitrary: fc.record({
        leaf: fc.constant(true as const),
        value: fc.double({ min: -3, max: 3, noNaN: true }),
        cover: fc.double({ min: 0.5, max: 50, noNaN: true }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        leaf: fc.constant(false as const),
        feature: fc.nat(N_FEATURES - 1),
        threshold: fc.constantFrom(...THRESHOLDS),
        dl: fc.constantFrom(0, 1),
        l: tie("node"),
        r: tie("node"),
      }),
    },
  ),
}));

// Flattens in pre-order; internal covers are the children's sum, optionally jittered (as
// XGBoost's float sums can be) to check the algorithm does not rely on them adding up.
function flatten(root: RandNode, jitter: number): ExplainTree {
  const t = tree([]);
  const add = (n: RandNode): [number, number] => {
    const id = t.left.length;
    for (const k of Object.keys(t) as (keyof ExplainTree)[]) t[k].push(0);
    if (n.leaf) {
      t.left[id] = t.right[id] = -1;
      t.value[id] = Math.fround(n.value);
      t.cover[id] = n.cover;
      return [id, n.cover];
    }
    const [l, cl] = add(n.l);
    const [r, cr] = add(n.r);
    t.left[id] = l;
    t.right[id] = r;
    t.feature[id] = n.feature;
    t.threshold[id] = n.threshold;
    t.default_left[id] = n.dl;
    t.cover[id] = (cl + cr) * (1 + jitter);
    return [id, t.cover[id]];
  };
  add(root);
  return t;
}

function depthOf(n: RandNode): number {
  return n.leaf ? 0 : 1 + Math.max(depthOf(n.l), depthOf(n.r));
}

const xArb = fc.array(
  fc.oneof(fc.constantFrom(NaN, ...THRESHOLDS), fc.double({ min: -2, max: 3, noNaN: true })),
  { minLength: N_FEATURES, maxLength: N_FEATURES },
);

describe("treeShap on random trees", () => {
  it("matches brute force and local accuracy", () => {
    let deepest = 0;
    fc.assert(
      fc.property(
        fc.array(nodeArb.node, { minLength: 1, maxLength: 3 }),
        fc.array(xArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(0, 0, 1e-3, -0.02),
        (roots, xs, jitter) => {
          deepest = Math.max(deepest, ...roots.map(depthOf));
          const trees = roots.map((r) => flatten(r, jitter));
          const ens = prepareTrees(trees);
          for (const x of xs) {
            const ref = bruteShap(trees, x, N_FEATURES);
            const phi = treeShap(ens, x, N_FEATURES);
            const oracle = oracleTreeShap(trees, x, N_FEATURES);
            for (let i = 0; i < N_FEATURES; i++) {
              expect(Math.abs(phi[i] - ref[i])).toBeLessThanOrEqual(1e-9);
              expect(Math.abs(oracle[i] - ref[i])).toBeLessThanOrEqual(1e-9);
            }
            const sum = expectedValue(ens, 0) + phi.reduce((a, b) => a + b, 0);
            expect(Math.abs(sum - walk(trees, x))).toBeLessThanOrEqual(1e-9);
          }
        },
      ),
      { seed: 20240611, numRuns: 400 },
    );
    expect(deepest).toBe(5); // the generator really produced deep trees
  }, 60_000); // ~1 s alone; brute force is slow on a busy machine
});

describe("treeShap on a deep tree", () => {
  // Full depth-8 tree over 10 features (paths up to 8 unique features, plus repeats): deeper
  // than the property test and than any served model (their depth is at most 6).
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const t = tree([]);
  const grow = (depth: number): [number, number] => {
    const id = t.left.length;
    for (const k of Object.keys(t) as (keyof ExplainTree)[]) t[k].push(0);
    if (depth === 8) {
      t.left[id] = t.right[id] = -1;
      t.value[id] = Math.fround(rnd() * 2 - 1);
      t.cover[id] = 1 + rnd() * 9;
      return [id, t.cover[id]];
    }
    const [l, cl] = grow(depth + 1);
    const [r, cr] = grow(depth + 1);
    t.left[id] = l;
    t.right[id] = r;
    t.feature[id] = Math.floor(rnd() * 10);
    t.threshold[id] = Math.fround(rnd());
    t.default_left[id] = rnd() < 0.5 ? 1 : 0;
    t.cover[id] = cl + cr;
    return [id, t.cover[id]];
  };
  grow(0);

  it("leaf tables (given the memory) and the oracle equal brute force", () => {
    const tables = prepareTrees([t], { maxTableEntries: 1 << 20 });
    expect(tables.maxDepth).toBe(8);
    for (let k = 0; k < 3; k++) {
      const x = Array.from({ length: 10 }, () => (rnd() < 0.2 ? NaN : rnd()));
      const ref = bruteShap([t], x, 10);
      for (const phi of [treeShap(tables, x, 10), oracleTreeShap([t], x, 10)]) {
        for (let i = 0; i < 10; i++) expect(Math.abs(phi[i] - ref[i])).toBeLessThanOrEqual(1e-9);
      }
    }
  }, 60_000);

  it("is refused within the default budget, naming the depth limit", () => {
    expect(() => prepareTrees([t])).toThrow(/deeper than 6 levels cannot be explained/);
  });
});

describe("groupContributions", () => {
  it("sums per factor and sorts by |value| descending", () => {
    const names = ["Gr_Liv_Area", "Total_Bsmt_SF", "Overall_Qual", "Year_Built", "Garage_Area"];
    const factorOf = (n: string) =>
      ({ Gr_Liv_Area: "size", Total_Bsmt_SF: "size", Garage_Area: "size" })[n] ?? n;
    const groups = groupContributions([0.1, 0.05, -0.3, 0.02, -0.01], names, factorOf);
    expect(groups.map((g) => g.factor)).toEqual(["Overall_Qual", "size", "Year_Built"]);
    expect(groups[0].value).toBeCloseTo(-0.3, 12);
    expect(groups[1].value).toBeCloseTo(0.14, 12);
    expect(groups[2].value).toBeCloseTo(0.02, 12);
  });

  it("rejects mismatched lengths", () => {
    expect(() => groupContributions([1, 2], ["a"], (n) => n)).toThrow(/2 contributions/);
  });
});

// ---- Golden check against XGBoost's own pred_contribs (tiny self-made model) --------------------
// Fixtures produced by tests/fixtures/xgb-tiny-generate.py with python3-xgboost 1.7; XGBoost
// computes SHAP in float32, hence the 1e-4 tolerance.

type GoldenRow = { features: (number | null)[]; contribs: number[]; bias: number; margin: number };

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

describe("golden: XGBoost pred_contribs on a tiny model", () => {
  const model = readFixture<{ base_score: number; feature_names: string[]; trees: ExplainTree[] }>(
    "xgb-tiny-model.json",
  );
  const golden = readFixture<{ feature_names: string[]; rows: GoldenRow[] }>(
    "xgb-tiny-contribs.json",
  );
  const nf = model.feature_names.length;

  it("has rows with missing values and the same feature order", () => {
    expect(golden.feature_names).toEqual(model.feature_names);
    expect(golden.rows.length).toBeGreaterThanOrEqual(40);
    expect(golden.rows.some((r) => r.features.every((v) => v === null))).toBe(true);
  });

  {
    it("matches contributions, bias and the margin", () => {
      const ens = prepareTrees(model.trees);
      let maxDiff = 0;
      for (const row of golden.rows) {
        const x = row.features.map((v) => v ?? NaN);
        const r = explainRow(ens, model.base_score, x, nf);
        expect(Math.abs(r.base - row.bias)).toBeLessThanOrEqual(1e-4);
        expect(r.prediction).toBe(row.margin); // bit-exact float32 sum
        for (let i = 0; i < nf; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(r.contributions[i] - row.contribs[i]));
        }
        const sum = r.base + r.contributions.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - r.prediction)).toBeLessThanOrEqual(1e-4);
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-5); // measured 1.5e-7 (XGBoost sums in float32)
    });
  }
});
