// What the trust data costs per estimate, in CPU µs on this process (ADR 0023): predictRecords
// for one record and for 1,000, with the flags off, with comparables, and with explain; and the
// comparables search alone. Run: npx tsx scripts/bench/trust-cost.ts [seconds]
import { predictRecords, type PredictOptions } from "~/inference/predict.server";
import { prometheusMeter } from "~/inference/process-meter.server";
import { comparableSubject, findComparables } from "~/ml/comparables";
import { validateRecord, type PropertyRecord } from "~/ml/schema";
import { loadRecords, resample } from "./data";
import { cpuPerCall, loadServingModel } from "./in-process";
import { median } from "~/ml/metrics";

async function main() {
  const seconds = Number(process.argv[2] ?? 6);
  const model = await loadServingModel("models");
  const records = loadRecords("data/ames.csv");
  const single = records[0];
  const batch = resample(records, 1000);
  const meter = prometheusMeter(); // counted as the API counts them
  const cases: [string, unknown[], PredictOptions][] = [
    ["1 record, flags off", [single], { meter }],
    ["1 record, comparables", [single], { meter, comparables: true }],
    ["1,000 records, flags off", batch, { meter }],
    ["1,000 records, comparables", batch, { meter, comparables: true }],
  ];
  const rounds = 7;
  const per: number[][] = cases.map(() => []);
  for (const [, inputs, opts] of cases)
    for (let i = 0; i < 20; i++) await predictRecords(model, inputs, opts);
  for (let r = 0; r < rounds; r++) {
    for (const [k, [, inputs, opts]] of cases.entries()) {
      const us = await cpuPerCall(
        () => predictRecords(model, inputs, opts),
        (seconds * 1000) / rounds / cases.length,
      );
      per[k].push(us / inputs.length);
    }
  }
  for (const [k, [name]] of cases.entries()) {
    console.log(`${name.padEnd(28)} ${median(per[k]).toFixed(2)} µs CPU per record`);
  }
  // The search alone (what `comparables: true` adds besides the JSON it returns).
  const valid = batch.map((r) => (validateRecord(r) as { record: PropertyRecord }).record);
  const index = model.manifest.comparables;
  if (index) {
    const subjects = valid.map((r) => comparableSubject(r, model.featureState));
    let i = 0;
    const us = await cpuPerCall(
      () => findComparables(index, subjects[i++ % subjects.length], 12),
      1000,
    );
    console.log(`${"findComparables alone".padEnd(28)} ${us.toFixed(2)} µs CPU per estimate`);
  }
  await model.session.release();
}

await main();
