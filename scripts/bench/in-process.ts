// predict() (validate → features → ORT → response rows) against raw ORT on the SAME feature
// matrix, in this process: what the data path costs on top of the model itself.
import { featurize } from "~/ml/features";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { LocalModelStore } from "~/inference/store.server";
import { runOrt } from "~/inference/onnx.server";
import { predictRecords } from "~/inference/predict.server";
import { prometheusMeter } from "~/inference/process-meter.server";
import { validateRecord, type PropertyRecord } from "~/ml/schema";
import { median } from "~/ml/metrics";

export type InProcessResult = {
  single_row: { predict_us: number; ort_us: number; ratio: number };
  batch: {
    rows: number;
    predict_rows_per_s: number;
    ort_rows_per_s: number;
    ratio: number;
  };
};

/** CPU microseconds (this process, all threads) per call of `fn` over at least `ms` of calls. */
export async function cpuPerCall(fn: () => unknown, ms: number): Promise<number> {
  let calls = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 10; i++) await fn();
    calls += 10;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

/**
 * `a` vs `b` on a shared machine: short rounds alternate between the two (so both see the same
 * neighbours), each timed in CPU time rather than wall time; medians over the rounds.
 */
export async function interleaved(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  totalMs: number,
): Promise<{ a_us: number; b_us: number; ratio: number }> {
  for (let i = 0; i < 50; i++) await a();
  for (let i = 0; i < 50; i++) await b();
  const rounds = 15;
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = await cpuPerCall(a, totalMs / rounds / 2);
    const y = await cpuPerCall(b, totalMs / rounds / 2);
    as.push(x);
    bs.push(y);
    ratios.push(x / y);
  }
  return { a_us: median(as), b_us: median(bs), ratio: median(ratios) };
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
  const ms = (seconds * 1000) / 2;
  // Counted as the API counts them (inference.server.ts passes the process's meter).
  const counted = { meter: prometheusMeter() };

  const one1 = await interleaved(
    () => predictRecords(model, [single], counted),
    () => runOrt(model.session, fm1.matrix, 1, fm1.nFeatures),
    ms,
  );
  const manyN = await interleaved(
    () => predictRecords(model, batch, counted),
    () => runOrt(model.session, fmN.matrix, fmN.nRows, fmN.nFeatures),
    ms,
  );
  return {
    single_row: { predict_us: one1.a_us, ort_us: one1.b_us, ratio: one1.ratio },
    batch: {
      rows: batch.length,
      predict_rows_per_s: (batch.length * 1e6) / manyN.a_us,
      ort_rows_per_s: (batch.length * 1e6) / manyN.b_us,
      ratio: manyN.ratio,
    },
  };
}
