// Online recalibration of the 90% interval from feedback (ADR 0050): each labelled prediction
// gives a normalised score |log actual − log predicted| / q, q being the half-width its static
// (bundle) calibration gave; the served half-width becomes q × m, m the conformal quantile of the
// most recent scores, per group of records when the group has enough of them, else over all.
// m is bounded: never below minFactor (1 by default: feedback can widen an interval, never
// narrow it below the calibration from the backtest) and never above maxFactor. The server and
// the training replay (training/recalibration.ts) share this code. Pure.
import { conformalQuantile } from "~/ml/interval";

/**
 * How scores are pooled: "all" one pool; "given" required-only records apart from records with
 * optional fields (the calibration group's level, "required/…" vs the rest); "level" one pool
 * per level of what was given (full, most, some, required).
 */
export type RecalibrationPooling = "all" | "given" | "level";

export type RecalibrationSettings = {
  /** The most recent labelled predictions kept per pool (and over all). */
  window: number;
  /** Scores a pool needs before its factor is used (else the overall one, else none). */
  minCount: number;
  pooling: RecalibrationPooling;
  /** Bounds of the factor m. */
  minFactor: number;
  maxFactor: number;
  /** The interval's level (0.9). */
  level: number;
};

/** The factor serving applies to a pool, and how many feedback scores it came from. */
export type PoolFactor = { factor: number; from_feedback: number };

/** Plain data (it crosses to the scoring threads): pool → factor; absent = static interval. */
export type RecalibrationSnapshot = {
  pooling: RecalibrationPooling;
  factors: Record<string, PoolFactor>;
};

export const NO_RECALIBRATION: RecalibrationSnapshot = { pooling: "all", factors: {} };

/** The pool of an interval by its calibration group ("full/typical", "required/unknown", …). */
export function poolOf(group: string, pooling: RecalibrationPooling): string {
  if (pooling === "all") return "all";
  const level = group.split("/")[0];
  if (pooling === "level") return level;
  return level === "required" ? "required" : "fuller";
}

/** The last `capacity` values pushed. */
class Ring {
  private readonly values: Float64Array;
  private next = 0;
  size = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(x: number) {
    this.values[this.next] = x;
    this.next = (this.next + 1) % this.values.length;
    this.size = Math.min(this.size + 1, this.values.length);
  }

  list(): number[] {
    return Array.from(this.values.subarray(0, this.size));
  }
}

export class Recalibrator {
  private readonly pools = new Map<string, Ring>();
  private readonly all: Ring;
  /** Computed when asked for after new scores (a feedback request adds many at once). */
  private snap: RecalibrationSnapshot | undefined;

  constructor(readonly settings: RecalibrationSettings) {
    this.all = new Ring(settings.window);
  }

  /**
   * One labelled prediction: its absolute log residual and the half-width its static
   * calibration gave (`group`: that calibration's group). Ignored unless both are finite and
   * the half-width positive.
   */
  add(group: string, absResidual: number, staticHalfWidth: number): void {
    const score = absResidual / staticHalfWidth;
    if (!Number.isFinite(score) || !(staticHalfWidth > 0)) return;
    const key = poolOf(group, this.settings.pooling);
    let ring = this.pools.get(key);
    if (!ring) this.pools.set(key, (ring = new Ring(this.settings.window)));
    ring.push(score);
    if (key !== "all") this.all.push(score);
    this.snap = undefined;
  }

  /** Scores held per pool (and "all"). */
  counts(): Record<string, number> {
    const out: Record<string, number> = { all: this.all.size };
    for (const [key, ring] of this.pools) out[key] = ring.size;
    return out;
  }

  snapshot(): RecalibrationSnapshot {
    return (this.snap ??= this.compute());
  }

  private factorOf(ring: Ring): PoolFactor {
    const { level, minFactor, maxFactor } = this.settings;
    const m = conformalQuantile(ring.list(), level);
    const factor = Math.min(maxFactor, Math.max(minFactor, m));
    return { factor: Number(factor.toFixed(4)), from_feedback: ring.size };
  }

  private compute(): RecalibrationSnapshot {
    const { minCount, pooling } = this.settings;
    const all = pooling === "all" ? this.pools.get("all") : this.all;
    const overall = all && all.size >= minCount ? this.factorOf(all) : undefined;
    const factors: Record<string, PoolFactor> = {};
    if (overall) factors.all = overall;
    for (const [key, ring] of this.pools) {
      if (key === "all") continue;
      const own = ring.size >= minCount ? this.factorOf(ring) : overall;
      if (own) factors[key] = own;
    }
    return { pooling, factors };
  }
}

/** The factor for an interval of calibration group `group`; undefined: serve it as calibrated. */
export function factorFor(snapshot: RecalibrationSnapshot, group: string): PoolFactor | undefined {
  // Every row asks: with one pool (the default) the group need not be looked at.
  if (snapshot.pooling === "all") return snapshot.factors.all;
  const own = snapshot.factors[poolOf(group, snapshot.pooling)];
  return own ?? snapshot.factors.all;
}
