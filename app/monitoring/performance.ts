// Accuracy over labelled predictions (a prediction whose sale price came back later): RMSLE on
// log price, MAPE in percent and the share of sale prices inside the stated interval, the same
// definitions as the training evaluation (app/ml/metrics.ts). Sums, so a label can be replaced
// when a sale is reported twice. The server and the offline report both use it. Pure.

export type Labelled = { price: number; lower: number; upper: number; actual: number };

export type Performance = {
  labelled: number;
  rmsle: number | null;
  mape: number | null;
  coverage: number | null;
};

export class PerformanceTracker {
  private n = 0;
  private squaredLogError = 0;
  private ape = 0;
  private covered = 0;

  private apply(row: Labelled, sign: 1 | -1) {
    const d = Math.log(row.actual) - Math.log(row.price);
    this.n += sign;
    this.squaredLogError += sign * d * d;
    this.ape += sign * (Math.abs(row.actual - row.price) / row.actual) * 100;
    if (row.actual >= row.lower && row.actual <= row.upper) this.covered += sign;
  }

  add(row: Labelled): void {
    this.apply(row, 1);
  }

  /** Replaces an earlier label of the same prediction. */
  replace(previous: Labelled, row: Labelled): void {
    this.apply(previous, -1);
    this.apply(row, 1);
  }

  summary(): Performance {
    const n = this.n;
    if (n === 0) return { labelled: 0, rmsle: null, mape: null, coverage: null };
    return {
      labelled: n,
      rmsle: Math.sqrt(Math.max(0, this.squaredLogError) / n),
      mape: this.ape / n,
      coverage: this.covered / n,
    };
  }
}
