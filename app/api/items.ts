import type { PredictionItem, RowError } from "./schemas";

// The result items' guard, apart from the zod schemas (./schemas re-exports it): code that only
// reads results, such as the batch CLI's CSV writer, then builds no schema (ADR 0064).

export function isRowError(item: PredictionItem): item is RowError {
  return item.status === "error";
}
