// The scoring worker's task function, called directly (piscina only carries its messages):
// it answers what scoreRequest() answers on the event loop, records the metric calls for the
// event loop to replay, reports errors as data, and keeps serving while the bundle changes.
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Piscina } from "piscina";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { LocalModelStore } from "~/inference/store.server";
import { uncountedMeter } from "~/inference/meter.server";
import { handleApiBody, type ApiBodyInput } from "~/inference/api-body.server";
import { batchBuffers } from "~/inference/monitor/batch";
import { idText } from "~/inference/monitor/prediction-ids.server";
import runTask from "~/inference/score-worker.server";
import { MINIMAL_RECORD } from "../../http/helpers/api-fixtures";

const ROOT = path.resolve(import.meta.dirname, "../../..");
let bundleDir: string;
let work: string;
let model: LoadedModel;

beforeAll(async () => {
  ({ dir: bundleDir } = await new LocalModelStore(path.join(ROOT, "models")).resolveLatest());
  model = await loadModel(bundleDir, { intraOpNumThreads: 1 });
  work = await mkdtemp(path.join(os.tmpdir(), "score-worker-"));
});
afterAll(async () => {
  await model.session.release();
  await rm(work, { recursive: true, force: true });
});

type TaskAnswer = Awaited<ReturnType<typeof runTask>> & {
  output: { body: Uint8Array; contentType: string; modelVersion: string };
  error: { status: number; code: string; issues: { path: string }[] };
};
const ref = (dir: string) => ({ dir, intraOpNumThreads: 1 });
const input = (body: unknown, extra: Partial<ApiBodyInput> = {}): ApiBodyInput => ({
  body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  kind: "json",
  flags: {},
  csvOut: false,
  maxRows: 1000,
  ...extra,
});

/** The task result as the event loop receives it (piscina unwraps the moved value). */
async function score(dir: string, scoreInput: ApiBodyInput): Promise<TaskAnswer> {
  const out = (await runTask({ kind: "api-body", model: ref(dir), input: scoreInput })) as Record<
    symbol,
    unknown
  >;
  const value = out[Piscina.valueSymbol] as TaskAnswer | undefined;
  if (value) {
    // Moved, not copied: the answer's bytes and each observed batch's buffer.
    const observed = value.events.flatMap((e) => (e[0] === "observed" ? batchBuffers(e[1]) : []));
    const body = value.ok ? [value.output.body.buffer] : [];
    const moved = out[Piscina.transferableSymbol] as ArrayBuffer[];
    expect(moved).toHaveLength(body.length + observed.length);
    [...body, ...observed].forEach((buffer, i) => expect(moved[i]).toBe(buffer));
  }
  return value ?? (out as unknown as TaskAnswer);
}

/** The body with its random prediction ids blanked: the rest must match byte for byte. */
const sameIds = (body: string) =>
  body.replace(/"prediction_id":"[0-9a-f-]{36}"/g, '"prediction_id":"…"');

const mixed = [MINIMAL_RECORD, { ...MINIMAL_RECORD, Gr_Liv_Area: -1 }, MINIMAL_RECORD, 42];

describe("scoring thread task", () => {
  it("answers byte for byte what handleApiBody() answers, and records the metric calls", async () => {
    const direct = await handleApiBody(
      model,
      input({ records: mixed, explain: true }),
      uncountedMeter,
    );
    const result = await score(bundleDir, input({ records: mixed, explain: true }));
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const body = Buffer.from(result.output.body).toString("utf8");
    expect(sameIds(body)).toBe(sameIds(direct.body));
    expect(body.match(/"prediction_id"/g)).toHaveLength(2);
    expect(result.output).toMatchObject({
      contentType: "application/json",
      modelVersion: model.version,
    });
    // The monitor's observation of the two scored rows comes back with the counters.
    // Its ids are the answer's prediction ids.
    const observed = result.events.find((e) => e[0] === "observed")?.[1];
    if (typeof observed !== "object") throw new Error("no observed batch");
    expect(observed).toMatchObject({ rows: 2, source: "api" });
    const ids = [0, 1].map((k) => idText(observed.ids, k));
    expect(body.match(/"prediction_id":"[^"]+"/g)).toEqual(
      ids.map((id) => `"prediction_id":"${id}"`),
    );
    expect(result.events.filter((e) => e[0] !== "observed")).toEqual([
      ["invalidRows", 2],
      ["predicted", "api", 2, 4],
    ]);
  });

  it("reports errors as data with their HTTP status and field issues", async () => {
    const malformed = await score(bundleDir, input('{"records": ['));
    expect(malformed).toMatchObject({
      ok: false,
      error: { status: 400, code: "malformed_request" },
    });
    const strict = await score(bundleDir, input({ records: mixed, strict: true }));
    expect(strict.ok).toBe(false);
    if (strict.ok) return;
    expect(strict.error).toMatchObject({ status: 422, code: "invalid_input" });
    expect(strict.error.issues.map((i: { path: string }) => i.path)).toContain(
      "records[1].Gr_Liv_Area",
    );
    expect(strict.events).toEqual([["invalidRows", 2]]);
    const tooMany = await score(bundleDir, input({ records: mixed }, { maxRows: 3 }));
    expect(tooMany).toMatchObject({ ok: false, error: { status: 413 } });
  });

  it("keeps answering the same while bundles change (it keeps two, releases older ones)", async () => {
    const dirs = await Promise.all(
      ["a", "b", "c"].map(async (name) => {
        const dir = path.join(work, name);
        await cp(bundleDir, dir, { recursive: true });
        return dir;
      }),
    );
    const expected = sameIds(
      (await handleApiBody(model, input({ records: mixed }), uncountedMeter)).body,
    );
    for (const dir of [...dirs, dirs[0], dirs[2], dirs[1]]) {
      expect(await runTask({ kind: "warm", model: ref(dir) })).toEqual({
        ok: true,
        output: { version: model.version },
        events: [],
      });
      const result = await score(dir, input({ records: mixed }));
      if (!result.ok) throw new Error(JSON.stringify(result.error));
      expect(sameIds(Buffer.from(result.output.body).toString("utf8"))).toBe(expected);
    }
  });

  it("a bundle that cannot load fails the task, and the next task retries it", async () => {
    const dir = path.join(work, "late");
    const failed = await score(dir, input({ records: [MINIMAL_RECORD] }));
    expect(failed).toMatchObject({ ok: false, error: { status: 503, code: "model_unavailable" } });
    await cp(bundleDir, dir, { recursive: true });
    expect((await score(dir, input({ records: [MINIMAL_RECORD] }))).ok).toBe(true);
  });
});
