import type { ObservedBatch } from "./batch";
import { idText } from "./prediction-ids.server";

// The prediction log's lines (JSON Lines, one object per line). The offline report
// (scripts/monitor.ts) reads these shapes back: CapturedPrediction and CapturedFeedback.

export type CapturedPrediction = {
  type: "prediction";
  id: string;
  time: string;
  model_version: string;
  source: string;
  record: Record<string, unknown>;
  imputed: string[];
  price: number;
  interval: { lower: number; upper: number; level: number };
};

export type CapturedFeedback = {
  type: "feedback";
  id: string;
  time: string;
  sale_price: number;
  sold_at?: string;
  /** Whether the server still held the prediction (the log may still have it). */
  matched: boolean;
};

export function* predictionLines(batch: ObservedBatch): Generator<string> {
  const time = new Date(batch.time).toISOString();
  for (const { row, record, imputed } of batch.captured) {
    const line: CapturedPrediction = {
      type: "prediction",
      id: idText(batch.ids, row),
      time,
      model_version: batch.version,
      source: batch.source,
      record,
      imputed,
      price: batch.price[row],
      interval: { lower: batch.lower[row], upper: batch.upper[row], level: batch.level },
    };
    yield JSON.stringify(line);
  }
}

export function feedbackLine(
  item: { prediction_id: string; sale_price: number; sold_at?: string },
  time: string,
  matched: boolean,
): string {
  const line: CapturedFeedback = {
    type: "feedback",
    id: item.prediction_id,
    time,
    sale_price: item.sale_price,
    ...(item.sold_at === undefined ? {} : { sold_at: item.sold_at }),
    matched,
  };
  return JSON.stringify(line);
}
