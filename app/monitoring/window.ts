// Per-field bin counts over the last `capacity` rows (a ring of one code byte per field and
// row, so memory is capacity × fields bytes whatever the traffic), and the drift figures they
// give. The server keeps one per process; the offline report one per period. Pure.
import { psi } from "~/ml/reference";
import { binIndex } from "~/ml/reference";
import { binOf, CALENDAR_FIELDS, MISSING, OUT_OF_RANGE, type Binner } from "./bins";

/**
 * Below this many values PSI is mostly sampling noise (a handful of rows always looks unlike
 * the training histogram), so a field is not flagged yet; its PSI is still reported.
 */
export const MIN_DRIFT_ROWS = 100;

export type FieldDrift = {
  name: string;
  /** PSI of the window's values against the training histogram; null with no values yet. */
  psi: number | null;
  missing_share: number;
  out_of_range_share: number;
  drifted: boolean;
  /** False for the sale-date fields, which follow the calendar and are never flagged. */
  watched: boolean;
};

export type DriftSnapshot = {
  rows: number;
  features: FieldDrift[];
  prediction: { psi: number | null };
};

export class DriftWindow {
  readonly capacity: number;
  private readonly nFields: number;
  private readonly codes: Uint8Array;
  private readonly predBins: Uint8Array;
  /** Per field, per bin: rows in the window (present values only). */
  private readonly counts: Uint32Array[];
  private readonly missing: Uint32Array;
  private readonly outOfRange: Uint32Array;
  private readonly predCounts: Uint32Array;
  private next = 0;
  private filled = 0;

  constructor(
    readonly binner: Binner,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.nFields = binner.fields.length;
    this.codes = new Uint8Array(capacity * this.nFields);
    this.predBins = new Uint8Array(capacity);
    this.counts = binner.fields.map((f) => new Uint32Array(f.reference.length));
    this.missing = new Uint32Array(this.nFields);
    this.outOfRange = new Uint32Array(this.nFields);
    this.predCounts = new Uint32Array(binner.prediction.reference.length);
  }

  get rows(): number {
    return this.filled;
  }

  private count(code: number, f: number, delta: 1 | -1) {
    if (code === MISSING) {
      this.missing[f] += delta;
      return;
    }
    this.counts[f][binOf(code)] += delta;
    if (code & OUT_OF_RANGE) this.outOfRange[f] += delta;
  }

  /** Adds a row (its codes at `codes[at..]`, see encodeRecord) and its predicted log price. */
  push(codes: Uint8Array, at: number, logPred: number): void {
    const n = this.nFields;
    const base = this.next * n;
    const evict = this.filled === this.capacity;
    for (let f = 0; f < n; f++) {
      if (evict) this.count(this.codes[base + f], f, -1);
      const code = codes[at + f];
      this.codes[base + f] = code;
      this.count(code, f, 1);
    }
    if (evict) this.predCounts[this.predBins[this.next]]--;
    const bin = binIndex(this.binner.prediction.edges, logPred);
    this.predBins[this.next] = bin;
    this.predCounts[bin]++;
    this.next = (this.next + 1) % this.capacity;
    if (!evict) this.filled++;
  }

  /** Rows per bin of field `f` in the window (the live histogram). */
  binCounts(f: number): Uint32Array {
    return this.counts[f];
  }

  snapshot(threshold: number): DriftSnapshot {
    const rows = this.filled;
    const features = this.binner.fields.map((field, f): FieldDrift => {
      const present = rows - this.missing[f];
      const value = present > 0 ? psi(field.reference, shares(this.counts[f], present)) : null;
      const watched = !CALENDAR_FIELDS.has(field.name);
      return {
        name: field.name,
        psi: value,
        missing_share: rows ? this.missing[f] / rows : 0,
        out_of_range_share: present ? this.outOfRange[f] / present : 0,
        drifted: watched && value !== null && present >= MIN_DRIFT_ROWS && value > threshold,
        watched,
      };
    });
    const predPsi = rows
      ? psi(this.binner.prediction.reference, shares(this.predCounts, rows))
      : null;
    return { rows, features, prediction: { psi: predPsi } };
  }
}

const shares = (counts: Uint32Array, total: number) => Array.from(counts, (c) => c / total);
