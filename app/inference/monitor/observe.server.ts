import { isRowError, type PredictionItem } from "~/api/schemas";
import { loadCaptureSettings, type CaptureSettings } from "~/lib/config.server";
import { compileBinner, recordEncoder, type Binner } from "~/monitoring/bins";
import type { Reference } from "~/ml/reference";
import type { PropertyRecord } from "~/ml/schema";
import type { PredictionMeter, PredictionSource } from "../meter.server";
import type { LoadedModel } from "../model.server";
import { groupIndex, newObservedBatch } from "./batch";
import { fillNewIds, ID_BYTES, idTexts } from "./prediction-ids.server";
import { staticHalfWidth } from "./recalibrate.server";

// The post-step of predictRecords(), wherever it runs (event loop or scoring thread): gives
// every prediction its `prediction_id` and hands the meter what the monitor needs (bin codes,
// prices, intervals, and the sampled inputs for the prediction log). ADR 0042.

const binners = new WeakMap<Reference, Binner>();

function binnerOf(model: LoadedModel): Binner | undefined {
  const reference = model.manifest.reference;
  if (!reference) return undefined;
  let binner = binners.get(reference);
  if (!binner) binners.set(reference, (binner = compileBinner(reference)));
  return binner;
}

// Read from the environment in each thread (threads inherit it).
let settings: CaptureSettings | undefined;
const observeSettings = () => (settings ??= loadCaptureSettings());

export function observePredictions(
  model: LoadedModel,
  valid: readonly PropertyRecord[],
  validAt: readonly number[],
  items: PredictionItem[],
  meter: PredictionMeter,
  source: PredictionSource,
): void {
  const n = valid.length;
  if (n === 0) return;
  const { monitorEnabled, captureSample: rate } = observeSettings();
  if (!monitorEnabled) return giveIds(new Uint8Array(n * ID_BYTES), items, validAt);
  const binner = binnerOf(model);
  const fields = binner?.fields.length ?? 0;
  const encode = binner && recordEncoder(binner);
  const meta = { version: model.version, source, time: Date.now() };
  const batch = newObservedBatch(n, fields, { ...meta, level: model.manifest.interval.level });
  giveIds(batch.ids, items, validAt);
  for (let k = 0; k < n; k++) {
    const item = items[validAt[k]];
    if (isRowError(item)) continue;
    batch.price[k] = item.price;
    batch.lower[k] = item.interval.lower;
    batch.upper[k] = item.interval.upper;
    batch.half[k] = staticHalfWidth(item.interval);
    batch.group[k] = groupIndex(batch, item.interval.group);
    if (encode) encode(valid[k], batch.codes, k * fields);
    if (rate > 0 && (rate >= 1 || Math.random() < rate)) {
      batch.captured.push({ row: k, record: valid[k], imputed: item.imputed });
    }
  }
  meter.observed(batch);
}

/** Gives each scored row a new id (`ids`: 16 bytes per row); a row error's bytes stay zero. */
function giveIds(ids: Uint8Array, items: PredictionItem[], validAt: readonly number[]): void {
  fillNewIds(ids);
  const texts = idTexts(ids);
  for (let k = 0; k < validAt.length; k++) {
    const item = items[validAt[k]];
    if (isRowError(item)) ids.fill(0, k * ID_BYTES, (k + 1) * ID_BYTES);
    else item.prediction_id = texts[k];
  }
}
