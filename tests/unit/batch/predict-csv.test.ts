import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { predictionCells, safeCell } from "~/inference/csv-write.server";
import { predictRecords } from "~/inference/predict.server";
import { getReadyModel } from "~/inference/inference.server";
import { coerceCsvRow } from "~/ml/schema";
import { mergeParts } from "../../../scripts/batch/merge";
import { batchModelSettings, loadBatchModel, predictChunk } from "../../../scripts/batch/model";
import { WHOLE_INPUT, type PartSpec } from "../../../scripts/batch/part";
import { planLayout } from "../../../scripts/batch/columns";
import { predictCsv, type PredictOptions } from "../../../scripts/batch/predict-csv";
import { InputError } from "../../../scripts/batch/source";
import { MODEL_DIR, REPO_ROOT } from "./run-cli";

// The streaming CSV predictor with the real bundle and the shared predict(): row numbering across
// chunks, per-row errors, part selection + merge, header checks.

const [HEADER, ...DATA] = parse(readFileSync(`${REPO_ROOT}/data/ames.csv`, "utf8")) as string[][];
const col = (name: string) => HEADER.indexOf(name);

function withCell(row: string[], name: string, value: string): string[] {
  const copy = [...row];
  copy[col(name)] = value;
  return copy;
}

/** 40 real rows with broken ones at known places (1-based data row numbers). */
function sampleRows(): string[][] {
  const rows = DATA.slice(0, 40).map((r) => [...r]);
  rows[2] = withCell(rows[2], "Gr_Liv_Area", "-5"); // row 3
  rows[9] = rows[9].slice(0, 10); // row 10: ragged
  // rows 15–21 (chunk index 2 with chunk 7) are ALL invalid: predict() rejects such a batch.
  for (let i = 14; i < 21; i++) rows[i] = withCell(rows[i], "Neighborhood", "Atlantis");
  rows[30] = withCell(rows[30], "Year_Built", "nineteen-sixty"); // row 31
  return rows;
}

async function collect(stream: PassThrough): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text;
}

/** The options the tests run with unless they say otherwise. */
const OPTIONS: PredictOptions = {
  chunk: 7,
  part: WHOLE_INPUT,
  keep: [],
  onlyPredictions: false,
  predictChunk,
};

async function run(csv: string | string[], opts: Partial<PredictOptions> = {}) {
  const output = new PassThrough();
  const errors = new PassThrough();
  const outText = collect(output);
  const errText = collect(errors);
  const summary = await predictCsv(
    Readable.from(Array.isArray(csv) ? csv : [csv]),
    output,
    errors,
    { ...OPTIONS, ...opts },
  );
  output.end();
  errors.end();
  return { summary, output: await outText, errors: await errText };
}

beforeAll(async () => {
  // On the event loop: vitest cannot load TypeScript into worker threads (the CLI tests run
  // the real program, with its threads).
  await loadBatchModel({ ...batchModelSettings(MODEL_DIR), scoringWorkers: 0 });
}, 60_000);

describe("predictCsv", () => {
  const csv = stringify([HEADER, ...sampleRows()]);

  it("predicts every valid row with the shared model and reports the others by row number", async () => {
    const { summary, output, errors } = await run(csv);
    expect(summary).toMatchObject({
      rows: 40,
      chunks: 6,
      scoredRows: 40,
      predicted: 30,
      failedRows: 10,
    });

    const out = parse(output, { columns: true }) as Record<string, string>[];
    expect(out.map((r) => Number(r.row))).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1).filter(
        (r) => r !== 3 && r !== 10 && r !== 31 && (r < 15 || r > 21),
      ),
    );
    // Same numbers as predict() on the same rows, rounded to dollars like the dashboard.
    const rows = sampleRows();
    const expected = await predictRecords(
      getReadyModel(),
      out.map((r) =>
        coerceCsvRow(Object.fromEntries(HEADER.map((h, i) => [h, rows[Number(r.row) - 1][i]]))),
      ),
    );
    out.forEach((r, k) => {
      const p = expected.predictions[k] as {
        price: number;
        interval: { lower: number; upper: number };
      };
      expect(Number(r.predicted_price)).toBe(Math.round(p.price));
      expect(Number(r.interval_lower)).toBe(Math.round(p.interval.lower));
      expect(Number(r.interval_upper)).toBe(Math.round(p.interval.upper));
      expect(r.interval_level).toBe("0.9");
      expect(r.Neighborhood).toBe(rows[Number(r.row) - 1][col("Neighborhood")]);
    });

    const errs = parse(errors, { columns: true }) as Record<string, string>[];
    expect(errs.map((e) => Number(e.row))).toEqual([3, 10, 15, 16, 17, 18, 19, 20, 21, 31]);
    expect(errs[0]).toEqual({ row: "3", field: "Gr_Liv_Area", message: "must be at least 100" });
    expect(errs[1]).toEqual({
      row: "10",
      field: "",
      message: `has 10 cells; the header has ${HEADER.length}`,
    });
    expect(errs[2].field).toBe("Neighborhood");
    expect(errs[9]).toMatchObject({ row: "31", field: "Year_Built", message: "must be a number" });
  });

  it("n parts merged give exactly the single-run output and error files", async () => {
    const single = await run(csv);
    for (const n of [2, 3, 4]) {
      const parts = await Promise.all(
        Array.from({ length: n }, (_, index) =>
          run(csv, { part: { index, count: n } as PartSpec }),
        ),
      );
      expect(parts.reduce((s, p) => s + p.summary.scoredRows, 0)).toBe(40);
      for (const file of ["output", "errors"] as const) {
        const merged = new PassThrough();
        const text = collect(merged);
        await mergeParts(
          parts.map((p) => Readable.from([p[file]])),
          merged,
        );
        merged.end();
        expect(await text).toBe(single[file]);
      }
    }
  });

  // Chunks of 3 rows: some plain (copied line by line), some with quotes (csv-parse), with cells
  // a spreadsheet would run as formulas, numbers that only look like one, and broken rows.
  const NOTES = [
    "",
    "=SUM(A1)",
    "-93.6",
    'said "hi", left',
    "@x",
    "+1",
    "\tx",
    "multi\nline",
    "-x",
  ];
  const mixed = [
    ["id", ...HEADER, "note"],
    ...DATA.slice(0, 45).map((r, i) => {
      // Rows 1-9 without quotes: whole plain chunks; quoted notes in some chunks after that.
      const note = i < 9 ? NOTES[i].replace(/["\n]/g, "") : NOTES[i % 9];
      const cells = [i % 4 === 0 ? `=id${i}` : `P-${i}`, ...r, note];
      if (i === 7) return cells.slice(0, 5);
      return i === 12 ? withCell(cells, "Gr_Liv_Area", "lots") : cells;
    }),
  ];

  /** The output file built from csv-parse's cells and predict(), written by csv-stringify. */
  async function expectedOutput(text: string, keep: string[], onlyPredictions: boolean) {
    const [header, ...rows] = parse(text, { relax_column_count: true }) as string[][];
    const layout = planLayout(header, keep, onlyPredictions);
    const whole = rows.filter((r) => r.length === header.length);
    const inputs = whole.map((r) =>
      coerceCsvRow(Object.fromEntries(layout.modelCells.map(([i, field]) => [field, r[i]]))),
    );
    const { predictions } = await predictRecords(getReadyModel(), inputs, { keepAllInvalid: true });
    const lines: (string | number)[][] = [layout.outputHeader];
    whole.forEach((r, k) => {
      const p = predictions[k];
      if (p.status === "error") return;
      const copied = layout.copiedCells.map((i) => safeCell(r[i]));
      lines.push([rows.indexOf(r) + 1, ...copied, ...predictionCells(p)]);
    });
    return stringify(lines);
  }

  it.each([
    ["\n", [], false],
    ["\r\n", [], false],
    ["\n", ["id", "note"], true],
    ["\r\n", [], true],
  ] as const)(
    "writes what csv-stringify writes from csv-parse's cells (delimiter %j, keep %j, only predictions %j)",
    async (newline, keep, onlyPredictions) => {
      const text = stringify(mixed, { record_delimiter: newline });
      const { output, summary } = await run(text, { chunk: 3, keep: [...keep], onlyPredictions });
      expect(summary).toMatchObject({ rows: 45, failedRows: 2 });
      expect(output).toBe(await expectedOutput(text, [...keep], onlyPredictions));
      // The oracle's safeCell is the CLI's: that it was applied at all is checked here.
      const copiesNote = !onlyPredictions || (keep as readonly string[]).includes("note");
      expect(output.includes(",'=SUM(A1),")).toBe(copiesNote);
      expect(output.includes(",-93.6,")).toBe(copiesNote);
    },
  );

  it("cuts records the same however the input arrives in pieces", async () => {
    // Quoted cells (some spanning lines) after runs of lines without any quote: the cutter
    // keeps where the next quote is across reads and cuts.
    const text = stringify(mixed);
    const whole = await run(text, { chunk: 4 });
    for (const size of [1, 97, 4096]) {
      const pieces = Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
        text.slice(i * size, (i + 1) * size),
      );
      const split = await run(pieces, { chunk: 4 });
      expect(split.summary).toEqual(whole.summary);
      expect(split.output).toBe(whole.output);
      expect(split.errors).toBe(whole.errors);
    }
    expect(whole.summary).toMatchObject({ rows: 45, chunks: 12, failedRows: 2 });
  });

  it.each([97, 1 << 20])(
    "frees its read buffers and answers (release) and still writes the same files (reads of %i bytes)",
    async (highWaterMark) => {
      // The CLI's way (run.ts): file sinks, whose answers are freed once written, and a file
      // read in pieces: small ones, mostly joined to the rest of the one before and freed, or
      // one read that every chunk is cut from. A buffer freed before its last use would read
      // as empty here.
      const text = stringify(mixed);
      const whole = await run(text, { chunk: 4 });
      const dir = await mkdtemp(path.join(tmpdir(), "predict-release-"));
      try {
        const file = (name: string) => path.join(dir, name);
        await writeFile(file("in.csv"), text);
        const output = createWriteStream(file("out.csv"));
        const errors = createWriteStream(file("errors.csv"));
        const summary = await predictCsv(
          createReadStream(file("in.csv"), { highWaterMark }),
          output,
          errors,
          { ...OPTIONS, chunk: 4, release: true },
        );
        await Promise.all([output, errors].map((s) => new Promise((done) => s.end(done))));
        expect(summary).toEqual(whole.summary);
        expect(await readFile(file("out.csv"), "utf8")).toBe(whole.output);
        expect(await readFile(file("errors.csv"), "utf8")).toBe(whole.errors);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it("keeps id columns and can write predictions only", async () => {
    const withId = stringify([
      ["property_id", ...HEADER],
      ...DATA.slice(0, 3).map((r, i) => [`P-${i}`, ...r]),
    ]);
    const { output } = await run(withId, { keep: ["property_id"], onlyPredictions: true });
    const [header, first] = parse(output) as string[][];
    expect(header).toEqual([
      "row",
      "property_id",
      "predicted_price",
      "interval_lower",
      "interval_upper",
      "interval_level",
      "imputed_fields",
      "interval_group",
      "interval_widened",
      "warning_codes",
      "warning_fields",
    ]);
    expect(first[1]).toBe("P-0");
  });

  it("copies a column the model does not use and names it in the summary", async () => {
    const { summary, output } = await run(
      stringify([
        [...HEADER, "Colour"],
        [...DATA[0], "red"],
      ]),
    );
    expect(summary).toMatchObject({ predicted: 1, ignored_columns: ["Colour"] });
    const [row] = parse(output, { columns: true }) as Record<string, string>[];
    expect(row.Colour).toBe("red");
  });

  it.each([
    [
      "a missing required column",
      stringify([HEADER.filter((h) => h !== "Gr_Liv_Area")]),
      /no column for: Gr_Liv_Area/,
    ],
    ["a duplicate column", stringify([[...HEADER, "Lot_Area"]]), /names "Lot_Area" twice/],
    ["an empty file", "", /the input is empty/],
    ["broken quoting", `${stringify([HEADER])}"North_Ames,1\n`, /not valid CSV/],
  ])("refuses %s with a clear message", async (_what, text, message) => {
    const promise = run(text);
    await expect(promise).rejects.toThrow(InputError);
    await expect(promise).rejects.toThrow(message);
  });
});
