// predict() (validate → features → ORT → response rows) against raw ORT on the SAME feature
// matrix, in this process: what the data path costs on top of the model itself.
import { featurize } from "~/ml/features";
import { loadModel, type LoadedModel } from "~/ml/model-loader.server";
import { LocalModelStore } from "~/ml/model-store.server";
import { runOrt } from "~/ml/onnx-runner.server";
import { predictRecords } from "~/ml/predict.server";
import { validateRecord, type PropertyRecord } from "~/ml/schema";

export type InProcessResult = {
  single_row: { predict_us: number; ort_us: number; ratio: number };
  batch: {
    rows: number;
    predict_rows_per_s: number;
    ort_rows_per_s: number;
    ratio: number;
  };
};

/** Mean microseconds per call of `fn`, after a warm-up, over at least `minMs` of calls. */
async function timePerCall(fn: () => Promise<unknown>, minMs: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let i = 0; i < 20; i++) await fn();
    calls += 20;
  }
  return ((performance.now() - start) * 1000) / calls;
}

export async function loadServingModel(root: string): Promise<LoadedModel> {
  const { dir } = await new LocalModelStore(root).resolveLatest();
  return loadModel(dir, { intraOpNumThreads: 1 });
}

export async function benchInProcess(
  model: LoadedModel,
  single: Record<string, unknown>,
  batch: Record<string, unknown>[],
  seconds: number,
): Promise<InProcessResult> {
  const valid = (r: unknown) => {
    const v = validateRecord(r);
    if (!v.ok) throw new Error(`benchmark record is invalid: ${JSON.stringify(v.issues)}`);
    return v.record;
  };
  const one: PropertyRecord[] = [valid(single)];
  const many: PropertyRecord[] = batch.map(valid);
  const fm1 = featurize(one, model.featureState);
  const fmN = featurize(many, model.featureState);
  const ms = (seconds * 1000) / 4;

  const predictOne = await timePerCall(() => predictRecords(model, [single]), ms);
  const ortOne = await timePerCall(() => runOrt(model.session, fm1.matrix, 1, fm1.nFeatures), ms);
  const predictMany = await timePerCall(() => predictRecords(model, batch), ms);
  const ortMany = await timePerCall(
    () => runOrt(model.session, fmN.matrix, fmN.nRows, fmN.nFeatures),
    ms,
  );
  return {
    single_row: { predict_us: predictOne, ort_us: ortOne, ratio: predictOne / ortOne },
    batch: {
      rows: batch.length,
      predict_rows_per_s: (batch.length * 1e6) / predictMany,
      ort_rows_per_s: (batch.length * 1e6) / ortMany,
      ratio: predictMany / ortMany,
    },
  };
}
