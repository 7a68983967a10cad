import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseManifest } from "~/ml/bundle";
import type { Reference } from "~/ml/reference";
import { compileBinner, encodeRecord, type Binner } from "~/monitoring/bins";
import { PerformanceTracker, type Performance } from "~/monitoring/performance";
import { DriftWindow, type DriftSnapshot } from "~/monitoring/window";
import type { CapturedFeedback, CapturedPrediction } from "~/inference/monitor/lines";

// The offline report's statistics: the same bins, window and accuracy code as the server
// (app/monitoring/), over every logged prediction of the period instead of the last N.

export type ModelDrift = {
  model_version: string;
  reference: boolean;
  drift: DriftSnapshot | null;
  /** Bins and shares of the live rows vs training, per field (for the charts). */
  histograms: { name: string; labels: string[]; reference: number[]; live: number[] }[];
};

export type Report = {
  generated_at: string;
  capture: string;
  period: { from: string | null; to: string | null; first: string | null; last: string | null };
  files: number;
  predictions: number;
  feedback_events: number;
  threshold: number;
  by_day: { day: string; predictions: number }[];
  models: ModelDrift[];
  performance: Performance & { actuals_from: string[]; unmatched: number };
};

type Held = { price: number; lower: number; upper: number };
/** Per bundle version: its bins, and each logged row's codes (fields bytes) and log price. */
type PerModel = { binner: Binner | undefined; codes: Uint8Array[]; logPrice: number[] };

export class Analysis {
  private readonly models = new Map<string, PerModel>();
  private readonly predictions = new Map<string, Held>();
  /** Sale price per prediction id: feedback events, then the --actuals file (last wins). */
  readonly actuals = new Map<string, number>();
  private readonly days = new Map<string, number>();
  count = { predictions: 0, feedback: 0 };
  first: string | null = null;
  last: string | null = null;

  constructor(
    private readonly loadReference: (version: string) => Promise<Reference | undefined>,
  ) {}

  async addPrediction(p: CapturedPrediction): Promise<void> {
    this.count.predictions++;
    this.predictions.set(p.id, { price: p.price, ...p.interval });
    const m = await this.model(p.model_version);
    if (m.binner) {
      const codes = new Uint8Array(m.binner.fields.length);
      encodeRecord(m.binner, p.record, codes, 0);
      m.codes.push(codes);
      m.logPrice.push(Math.log(p.price));
    }
    const day = p.time.slice(0, 10);
    this.days.set(day, (this.days.get(day) ?? 0) + 1);
    if (this.first === null || p.time < this.first) this.first = p.time;
    if (this.last === null || p.time > this.last) this.last = p.time;
  }

  addFeedback(f: CapturedFeedback): void {
    this.count.feedback++;
    this.actuals.set(f.id, f.sale_price);
  }

  private async model(version: string): Promise<PerModel> {
    let m = this.models.get(version);
    if (!m) {
      const reference = await this.loadReference(version);
      m = { binner: reference ? compileBinner(reference) : undefined, codes: [], logPrice: [] };
      this.models.set(version, m);
    }
    return m;
  }

  async report(meta: {
    capture: string;
    files: number;
    threshold: number;
    from: string | null;
    to: string | null;
    actualsFrom: string[];
  }): Promise<Report> {
    const tracker = new PerformanceTracker();
    let unmatched = 0;
    for (const [id, actual] of this.actuals) {
      const p = this.predictions.get(id);
      if (p) tracker.add({ ...p, actual });
      else unmatched++;
    }
    const models = [...this.models].map(([version, m]): ModelDrift => {
      // The whole period is one window: the server's statistics over every logged row.
      const window = m.binner ? new DriftWindow(m.binner, Math.max(1, m.codes.length)) : undefined;
      m.codes.forEach((codes, i) => window!.push(codes, 0, m.logPrice[i]));
      const drift = window?.snapshot(meta.threshold) ?? null;
      return {
        model_version: version,
        reference: m.binner !== undefined,
        drift,
        histograms:
          m.binner?.fields.map((field, f) => {
            const counts = window!.binCounts(f);
            const total = counts.reduce((a, b) => a + b, 0);
            return {
              name: field.name,
              labels: field.labels,
              reference: field.reference,
              live: Array.from(counts, (c) => (total ? c / total : 0)),
            };
          }) ?? [],
      };
    });
    return {
      generated_at: new Date().toISOString(),
      capture: meta.capture,
      period: { from: meta.from, to: meta.to, first: this.first, last: this.last },
      files: meta.files,
      predictions: this.count.predictions,
      feedback_events: this.count.feedback,
      threshold: meta.threshold,
      by_day: [...this.days].sort().map(([day, predictions]) => ({ day, predictions })),
      models,
      performance: { ...tracker.summary(), actuals_from: meta.actualsFrom, unmatched },
    };
  }
}

/** A bundle's reference from a local models folder (<dir>/<version>/manifest.json). */
export function localReferences(dir: string) {
  return async (version: string): Promise<Reference | undefined> => {
    try {
      const text = await readFile(path.join(dir, version, "manifest.json"), "utf8");
      return parseManifest(JSON.parse(text)).reference;
    } catch {
      return undefined;
    }
  };
}
