// Every 2010 holdout home of data/ames.csv through POST /api/v1/predict over real HTTP, as
// given and with the required fields only (issue 15's targets, measured through the API):
// interval coverage equals the model card's for the same rows, per calibration group too; every
// home with a field outside the training data gets a warning for it and typical homes none;
// every home gets comparable sales whose adjusted prices are closer to the actual price than
// their raw prices. A scoring thread answers the same (but for the per-prediction ids), CSV
// output carries the same groups and warnings, and the published OpenAPI schema holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import type { ModelDescription, Prediction, PredictResponse as PredictBody } from "~/api/schemas";
import { isOutOfRange } from "~/ml/warnings";
import { requiredOnly } from "../../training/backtest";
import { HOLDOUT_YEARS, loadDataset, selectYears, type Split } from "../../training/data";
import { MANIFEST, outsideTraining, typicalHome } from "../unit/ml/bundle-model";
import { loadContract, type Contract } from "./helpers/api-contract";
import { call, postJson, withoutPredictionIds } from "./helpers/api-fixtures";
import { REPO_ROOT, startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

const MODEL_URI = process.env.MODEL_URI ?? "models";

let inline: TestServer; // scores on the event loop
let offload: TestServer; // scores every body on a scoring thread
let contract: Contract;
let holdout: Split;
const answers: Record<"full" | "required", { text: string; body: PredictBody }> = {} as never;

const outside = outsideTraining;
const typical = typicalHome;

const variants = () => ({
  full: holdout.records,
  required: holdout.records.map(requiredOnly),
});

beforeAll(async () => {
  const env = { MODEL_URI };
  [inline, offload] = await Promise.all([
    startServer({ ...env, SCORING_WORKERS: "0" }, { waitPath: "/readyz" }),
    startServer(
      { ...env, SCORING_WORKERS: "1", SCORING_WORKER_MIN_BYTES: "0" },
      { waitPath: "/readyz" },
    ),
  ]);
  contract = await loadContract(inline.url);
  holdout = selectYears(loadDataset(`${REPO_ROOT}/${MANIFEST.data.file}`), HOLDOUT_YEARS);
  for (const [name, records] of Object.entries(variants())) {
    const res = await postJson(inline.url, { records, comparables: true });
    expect(res.status).toBe(200);
    contract.check("/api/v1/predict", "post", res.status, res.contentType, res.body);
    answers[name as "full" | "required"] = { text: res.text, body: res.body as PredictBody };
  }
}, 120_000);
afterAll(() => Promise.all([inline?.stop(), offload?.stop()]));

const predictions = (name: "full" | "required") => answers[name].body.predictions as Prediction[];

describe("the 2010 holdout through the API", () => {
  it("uses the card's rows: every holdout sale, each answered", () => {
    expect(holdout.records.length).toBe(MANIFEST.data.split.holdout.rows);
    expect(predictions("full")).toHaveLength(holdout.records.length);
    expect(answers.full.body.counts).toEqual({ ok: holdout.records.length, failed: 0 });
  });

  it("covers the actual price as often as the card says, overall and per group", () => {
    const cases = [
      { name: "full", card: MANIFEST.card.holdout!.full.all, table: "holdout, as given" },
      {
        name: "required",
        card: MANIFEST.card.holdout!.required_only.all,
        table: "holdout, required fields only",
      },
    ] as const;
    for (const { name, card, table } of cases) {
      const groups = new Map<string, { n: number; covered: number; widened: number }>();
      predictions(name).forEach((p, i) => {
        const actual = holdout.prices[i];
        const g = groups.get(p.interval.group) ?? { n: 0, covered: 0, widened: 0 };
        g.n++;
        if (p.interval.lower <= actual && actual <= p.interval.upper) g.covered++;
        if (p.interval.widened.length > 0) g.widened++;
        groups.set(p.interval.group, g);
      });
      const all = [...groups.values()].reduce(
        (a, g) => ({
          n: a.n + g.n,
          covered: a.covered + g.covered,
          widened: a.widened + g.widened,
        }),
        { n: 0, covered: 0, widened: 0 },
      );
      expect(Number((all.covered / all.n).toFixed(4))).toBe(card.coverage);
      const rows = MANIFEST.card.calibration_table!.filter((r) => r.records === table);
      for (const [group, g] of [...groups, ["all", all] as const]) {
        const row = rows.find((r) => r.group === group) as
          { n: number; coverage: number; widened: number } | undefined;
        expect(row, group).toBeDefined();
        expect({
          n: g.n,
          coverage: Number((g.covered / g.n).toFixed(4)),
          widened: g.widened,
        }).toEqual({
          n: row!.n,
          coverage: row!.coverage,
          widened: row!.widened,
        });
      }
    }
  });

  it("warns every home with a field outside the training data, and no typical home", () => {
    for (const [name, records] of Object.entries(variants())) {
      const preds = predictions(name as "full" | "required");
      let out = 0;
      let typ = 0;
      records.forEach((r, i) => {
        const p = preds[i];
        const fields = outside(r);
        if (fields.length > 0) {
          out++;
          const warned = new Set(p.warnings.filter(isOutOfRange).map((w) => w.field));
          for (const f of fields) expect(warned.has(f), `${name} home ${i}: ${f}`).toBe(true);
          expect(p.interval.widened).toContain("out_of_range");
        } else {
          expect(p.warnings.filter(isOutOfRange), `${name} home ${i}`).toEqual([]);
        }
        if (typical(r)) {
          typ++;
          expect(p.warnings.filter((w) => w.code !== "few_similar_homes")).toEqual([]);
        }
      });
      expect(out).toBeGreaterThan(0); // 2010 has homes built or remodelled in 2010
      expect(typ).toBeGreaterThan(100);
    }
  });

  it("gives every home 5 comparables whose adjusted prices are closer than the raw ones", () => {
    for (const name of ["full", "required"] as const) {
      let adjusted = 0;
      let raw = 0;
      let closer = 0;
      predictions(name).forEach((p, i) => {
        const actual = holdout.prices[i];
        expect(p.comparables).toHaveLength(5);
        const err = (price: number) => Math.abs(Math.log(price / actual));
        const a = p.comparables!.reduce((s, c) => s + err(c.adjusted_price), 0) / 5;
        const r = p.comparables!.reduce((s, c) => s + err(c.sale_price), 0) / 5;
        adjusted += a;
        raw += r;
        if (a < r) closer++;
      });
      const n = predictions(name).length;
      expect(adjusted / n).toBeLessThan(raw / n);
      const card =
        MANIFEST.card.comparables![name === "full" ? "as_given" : "required_fields_only"];
      // The card's figures (5 decimals), here from prices rounded to the cent.
      const c = card as { mean_abs_log_error_adjusted: number; mean_abs_log_error_raw: number };
      expect(Math.abs(adjusted / n - c.mean_abs_log_error_adjusted)).toBeLessThan(1e-4);
      expect(Math.abs(raw / n - c.mean_abs_log_error_raw)).toBeLessThan(1e-4);
      expect(closer).toBe((card as { homes_closer_adjusted: number }).homes_closer_adjusted);
    }
  });
});

describe("the same answers wherever and however they are asked", () => {
  it("a scoring thread answers what the event loop answers (all but the prediction ids)", async () => {
    const same = (a: string, b: string) => {
      const [x, y] = [a, b].map((t) => JSON.parse(t) as PredictBody);
      expect({ ...y, predictions: withoutPredictionIds(y.predictions) }).toEqual({
        ...x,
        predictions: withoutPredictionIds(x.predictions),
      });
    };
    for (const [name, records] of Object.entries(variants())) {
      const res = await postJson(offload.url, { records, comparables: true, explain: false });
      expect(res.status).toBe(200);
      expect(res.headers.get("server-timing")).toMatch(/worker;dur=/);
      same(answers[name as "full" | "required"].text, res.text);
    }
    const few = holdout.records.slice(0, 50);
    const [a, b] = await Promise.all(
      [inline, offload].map((s) => postJson(s.url, { records: few, explain: true })),
    );
    same(a.text, b.text);
  });

  it("CSV output carries each row's group and warnings", async () => {
    const records = holdout.records
      .slice(0, 120)
      .map((r, i) => (i % 10 === 0 ? { ...r, Gr_Liv_Area: 5000 } : r));
    const [json, csv] = await Promise.all([
      postJson(inline.url, { records }),
      postJson(inline.url, { records }, { Accept: "text/csv" }),
    ]);
    expect(csv.status).toBe(200);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    const preds = (json.body as PredictBody).predictions as Prediction[];
    rows.forEach((row, i) => {
      expect(row.interval_group).toBe(preds[i].interval.group);
      expect(row.interval_widened).toBe(preds[i].interval.widened.join(" "));
      expect(row.warning_codes).toBe(preds[i].warnings.map((w) => w.code).join(" "));
      expect(row.warning_fields).toBe(preds[i].warnings.map((w) => w.field).join(" "));
    });
    for (const row of rows.filter((_, i) => i % 10 === 0)) {
      const pairs = row.warning_codes
        .split(" ")
        .map((c, k) => `${row.warning_fields.split(" ")[k]}:${c}`);
      expect(pairs).toContain("Gr_Liv_Area:above_training_range");
      expect(row.interval_widened).toContain("out_of_range");
    }
  });

  it("refuses comparables for more than 1,000 records with a 422 naming the option", async () => {
    const records = Array.from({ length: 1001 }, () => holdout.records[0]);
    const res = await postJson(inline.url, { records, comparables: true });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ errors: [{ path: "comparables" }] });
    const query = await postJson(
      inline.url,
      { records: records.slice(0, 3) },
      {},
      "?comparables=1",
    );
    expect(query.status).toBe(200);
    for (const p of (query.body as PredictBody).predictions as Prediction[]) {
      expect(p.comparables).toHaveLength(5);
    }
  });

  it("GET /api/v1/model describes the groups, the warning codes and the card", async () => {
    const res = await call(`${inline.url}/api/v1/model`, {
      headers: { "X-API-Key": TEST_API_KEY },
    });
    expect(res.status).toBe(200);
    contract.check("/api/v1/model", "get", res.status, res.contentType, res.body);
    const d = res.body as ModelDescription;
    expect(d.interval.groups.map((g) => g.group)).toEqual(
      MANIFEST.calibration!.cells.map((c) => `${c.given}/${c.sale}`),
    );
    const seen = new Set(
      Object.values(answers).flatMap((a) =>
        (a.body.predictions as Prediction[]).map((p) => p.interval.group),
      ),
    );
    for (const g of seen) expect(d.interval.groups.map((x) => x.group)).toContain(g);
    expect(d.warning_codes.map((w) => w.code)).toContain("few_similar_homes");
    expect(d.card.holdout?.required_only.all.coverage).toBe(
      MANIFEST.card.holdout!.required_only.all.coverage,
    );
    expect(d.card.training_window).toMatch(/2006–2009/);
  });
});
