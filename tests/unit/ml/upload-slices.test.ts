import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { uncountedMeter } from "~/inference/meter.server";
import { handleApiBody } from "~/inference/api-body.server";
import { columnPlan, parseCsvRecords } from "~/inference/csv.server";
import { toResultCsv } from "~/inference/csv-write.server";
import { predictRecords } from "~/inference/predict.server";
import { releaseBytes } from "~/lib/release-bytes.server";
import { handleUpload, type UploadInput } from "~/inference/upload.server";
import { csvInputFor } from "~/ml/csv-input";
import { ROOT, useServingModel } from "./serving-model";

// The dashboard's upload is scored in slices and a scoring thread frees the request's bytes
// once parsed (ADR 0053): the answers must be those of the whole file in one piece.

const servingModel = useServingModel();

/** 450 data rows of data/ames.csv (several slices), every 37th with a broken area. */
function csvFile(): string {
  const [header, ...lines] = readFileSync(path.join(ROOT, "data/ames.csv"), "utf8")
    .trimEnd()
    .split("\n");
  const area = header.split(",").indexOf('"Gr_Liv_Area"');
  const rows = lines.slice(0, 450).map((line, i) => {
    if (i % 37 !== 5) return line;
    const cells = line.split(",");
    cells[area] = "lots";
    return cells.join(",");
  });
  return [header, ...rows].join("\n") + "\n";
}

/** A form's multipart body and content type, as a browser's request would carry them. */
async function encode(data: FormData): Promise<{ body: Uint8Array; contentType: string }> {
  const request = new Request("http://test.invalid/", { method: "POST", body: data });
  const body = new Uint8Array(await request.arrayBuffer());
  return { body, contentType: request.headers.get("content-type")! };
}

function form(csv: string) {
  const data = new FormData();
  data.set("file", new Blob([csv], { type: "text/csv" }), "houses.csv");
  return encode(data);
}

/** The result file without its prediction ids (new for every call). */
const withoutIds = (csv: string) =>
  (parse(csv, { columns: true }) as Record<string, string>[]).map(
    ({ prediction_id: _, ...row }) => row,
  );

describe("the dashboard upload in slices", () => {
  it("writes the result file the whole table scored at once would give", async () => {
    const csv = csvFile();
    const upload: UploadInput = { ...(await form(csv)), maxRows: 10_000, output: "csv" };
    const out = await handleUpload(servingModel(), upload, uncountedMeter);
    if (out.kind !== "csv") throw new Error("expected a file");

    const table = parseCsvRecords(csv, 10_000);
    const toInput = csvInputFor(columnPlan(table.columns).inputs.map((c) => [c, c]));
    const whole = await predictRecords(servingModel(), table.records.map(toInput), {
      source: "batch",
      firstRow: 1,
      keepAllInvalid: true,
    });
    const expected = toResultCsv(table, whole.predictions, { firstRow: 1 });
    const got = withoutIds(out.body);
    expect(got).toHaveLength(450);
    expect(got.filter((r) => r.errors !== "")).toHaveLength(13);
    expect(got).toEqual(withoutIds(expected));
  });

  it("counts and lists the issues of every slice in the summary", async () => {
    const upload: UploadInput = { ...(await form(csvFile())), maxRows: 10_000, output: "summary" };
    const out = await handleUpload(servingModel(), upload, uncountedMeter);
    if (out.kind !== "summary") throw new Error("expected a summary");
    const { summary } = out;
    expect([summary.rows, summary.ok, summary.failed]).toEqual([450, 437, 13]);
    expect(summary.head.map((h) => h.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(summary.issues.map((i) => i.row)).toEqual(
      Array.from({ length: 13 }, (_, k) => 37 * k + 6),
    );
  });
});

describe("the upload's multipart body, read in place", () => {
  const summaryOf = async (body: Uint8Array, contentType: string) => {
    const out = await handleUpload(
      servingModel(),
      {
        body,
        contentType,
        maxRows: 10_000,
        output: "summary",
      },
      uncountedMeter,
    );
    if (out.kind !== "summary") throw new Error("expected a summary");
    return out.summary;
  };

  it.each([
    "houses.csv",
    "maisons été 2024.csv",
    'a "quoted" name.csv',
    "semi;colon.csv",
    "back\\slash.csv",
    "two\nlines.csv",
  ])("gives the file's name and rows as undici's formData() does: %s", async (name) => {
    const data = new FormData();
    data.set("intent", "check");
    data.set("file", new Blob([csvFile()], { type: "text/csv" }), name);
    data.append("file", new Blob(["a later file field is not read"]), "later.csv");
    const { body, contentType } = await encode(data);
    const file = (
      await new Request("http://test.invalid/", {
        method: "POST",
        headers: { "Content-Type": contentType },
        body: body.slice(),
      }).formData()
    ).get("file") as File;
    const summary = await summaryOf(body, contentType);
    expect(summary.fileName).toBe(file.name);
    expect(summary.rows).toBe((await file.text()).trimEnd().split("\n").length - 1);
  });

  it("refuses a text field named file, and a body cut short, as before", async () => {
    const data = new FormData();
    data.set("file", "just text");
    const { body, contentType } = await encode(data);
    await expect(summaryOf(body, contentType)).rejects.toThrow("Choose a CSV file");
    const { body: whole, contentType: type } = await form(csvFile());
    await expect(summaryOf(whole.subarray(0, whole.length - 10), type)).rejects.toThrow(
      "multipart/form-data",
    );
  });

  it("refuses what undici refused: an empty body and an unquoted file name (400)", async () => {
    const type = "multipart/form-data; boundary=b0";
    await expect(summaryOf(new Uint8Array(0), type)).rejects.toMatchObject({ status: 400 });
    const part = `--b0\r\nContent-Disposition: form-data; name="file"; filename=a.csv\r\n\r\nx\r\n--b0--\r\n`;
    await expect(summaryOf(new TextEncoder().encode(part), type)).rejects.toMatchObject({
      status: 400,
    });
  });

  it("counts parts by the boundary it parses with: more than 8 is a 413", async () => {
    const part = `--abc\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n`;
    const body = new TextEncoder().encode(`${part.repeat(900)}--abc--\r\n`);
    // A second `boundary=` the parser does not read must not hide the parts.
    await expect(
      summaryOf(body, "multipart/form-data; xboundary=abc; boundary=zzz"),
    ).rejects.toMatchObject({ status: 413, message: expect.stringContaining("more than 8 parts") });
  });
});

describe("bytes a scoring thread was given", () => {
  it("are freed once the upload is parsed, and the answer is the same", async () => {
    const { body, contentType } = await form(csvFile());
    const kept = await handleUpload(
      servingModel(),
      {
        body: body.slice(),
        contentType,
        maxRows: 10_000,
        output: "csv",
      },
      uncountedMeter,
    );
    const released: UploadInput = {
      body,
      contentType,
      maxRows: 10_000,
      output: "csv",
      releaseBody: true,
    };
    const out = await handleUpload(servingModel(), released, uncountedMeter);
    expect(body.byteLength).toBe(0);
    if (out.kind !== "csv" || kept.kind !== "csv") throw new Error("expected files");
    expect(withoutIds(out.body)).toEqual(withoutIds(kept.body));
  });

  it("are freed once an API body is decoded, and the answer is the same", async () => {
    const csv = () => new TextEncoder().encode(csvFile());
    const input = { kind: "csv", flags: {}, csvOut: true, maxRows: 1000 } as const;
    const kept = await handleApiBody(servingModel(), { ...input, body: csv() }, uncountedMeter);
    const body = csv();
    const out = await handleApiBody(
      servingModel(),
      { ...input, body, releaseBody: true },
      uncountedMeter,
    );
    expect(body.byteLength).toBe(0);
    expect(withoutIds(out.body)).toHaveLength(450);
    expect(withoutIds(out.body)).toEqual(withoutIds(kept.body));
  });
});

describe("releaseBytes", () => {
  it("leaves bytes that share their buffer, or a buffer that cannot be detached, intact", () => {
    const whole = new Uint8Array(8).fill(7);
    const part = whole.subarray(2, 4);
    releaseBytes(part);
    expect([...whole]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
    const pooled = Buffer.from("a small pooled buffer");
    releaseBytes(pooled);
    expect(pooled.toString()).toBe("a small pooled buffer");
    releaseBytes(whole);
    expect(whole.byteLength).toBe(0);
    releaseBytes(whole); // twice: nothing left to free, no error
  });
});
