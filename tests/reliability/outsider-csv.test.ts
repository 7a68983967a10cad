import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../scripts/reliability/http";
import { rssMb } from "../../scripts/reliability/rss";
import { MAX_CSV_LINE_CHARS, parseCsvRecords } from "~/inference/csv.server";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";

// A CSV line of separators (ADR 0052): csv-parse's line limit counts the characters of cells,
// not the commas between them, so 9 MiB of commas parsed into 9 million empty cells before any
// limit was checked: 4.7 s of a scoring thread, and a data row of them +377 MB of RSS, through
// the dashboard's upload, which needs no key. Such a line is refused before parsing.

const HEADER =
  "Neighborhood,Gr_Liv_Area,Total_Bsmt_SF,Lot_Area,Year_Built,Overall_Cond,Bedroom_AbvGr," +
  "Full_Bath,Half_Bath,Garage_Cars,Year_Sold,Mo_Sold,Central_Air";
const ROW = "North_Ames,1656,1080,31770,1960,Average,3,1,0,2,2010,5,Y";
const commas = ",".repeat(9 << 20);

let server: TestServer;
beforeAll(async () => {
  server = await startServer(
    { MODEL_URI: MODEL_DIR, SCORING_WORKERS: "1", RATE_LIMIT_PER_MINUTE: "0" },
    { waitPath: "/readyz" },
  );
});
afterAll(async () => server?.stop());

function upload(csv: string, filename = "a.csv") {
  const boundary = "b0undary";
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    `Content-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
  return send(server.url, {
    method: "POST",
    path: "/batch",
    headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
    body: Buffer.from(body),
  });
}

describe("a CSV line of millions of separators is refused before it is parsed", () => {
  it("a header or a data row of 9 MiB of commas: 413 naming the line, without the RSS", async () => {
    // The first 10 MiB upload grows a fresh process anyway (buffers, the thread's heap).
    expect((await upload(`${HEADER}\n${ROW}\n${"x".repeat(9 << 20)}`)).status).toBe(413);
    const header = await upload(commas);
    expect(header.status).toBe(413);
    expect(header.body).toContain(`Line 1 of the CSV file is longer than ${MAX_CSV_LINE_CHARS}`);
    // Measured over the row alone, after two bodies of its size have passed (their buffers'
    // memory is not handed back at once, and is not what this guards).
    const pid = server.proc.pid!;
    const before = rssMb(pid);
    const row = await upload(`${HEADER}\n${ROW}\n${commas}`);
    expect(row.status).toBe(413);
    expect(row.body).toContain(`Line 3 of the CSV file is longer than ${MAX_CSV_LINE_CHARS}`);
    // Parsed, the row alone grew the process by ~377 MB.
    expect(rssMb(pid) - before).toBeLessThan(100);
  });

  it("the API says the same, as a problem", async () => {
    const res = await send(server.url, {
      method: "POST",
      path: "/api/v1/predict",
      headers: { "Content-Type": "text/csv", "X-API-Key": TEST_API_KEY },
      body: Buffer.from(`${HEADER}\r\n${commas}`),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413 });
    expect(res.body).toContain("Line 2 of the CSV file");
  });

  it("a record continued over many short lines by quoted line breaks: the same 413", async () => {
    // Each physical line is under the limit; the record they make is 2 million cells.
    const record = `"x\n"${",".repeat(100_000)}`.repeat(20);
    const res = await send(server.url, {
      method: "POST",
      path: "/api/v1/predict",
      headers: { "Content-Type": "text/csv", "X-API-Key": TEST_API_KEY },
      body: Buffer.from(`${HEADER}\n${record}\n`),
    });
    expect(res.status).toBe(413);
    expect(res.body).toContain("Line 2 of the CSV file");
  });

  it("a stray quote inside a plain cell of a long file: csv-parse's 400 naming the quote, not a 413", () => {
    // A quote that does not start a cell opens nothing: the lines after it stay records.
    const rows = `${ROW}\n`.repeat(20_000);
    const text = `${HEADER}\nNorth_Ames,5'10" tall,${ROW.slice(11)}\n${rows}`;
    expect(text.length).toBeGreaterThan(2 * MAX_CSV_LINE_CHARS);
    expect(() => parseCsvRecords(text, 30_000)).toThrow(/line 2 has a quote \("\) inside a value/);
  });

  it("CR-only, CRLF and LF line ends, and a quoted cell over several lines, still parse", () => {
    for (const eol of ["\r", "\r\n", "\n"]) {
      const table = parseCsvRecords(`${HEADER}${eol}${ROW}${eol}${ROW}${eol}`, 10);
      expect(table.records).toHaveLength(2);
    }
    // A cell over the cell limit on short lines: csv-parse's own check answers, as before.
    const long = `"${"a\n".repeat(5000)}"`;
    expect(() => parseCsvRecords(`id,${HEADER}\n${long},${ROW}\n`, 10)).toThrow(/8192/);
  });
});

describe("the batch page does not send back what the uploader named at length", () => {
  it("a 1 MiB file name: the page shows its first 120 characters (it was 2.1 MB, twice the name)", async () => {
    const name = `${"f".repeat(1 << 20)}.csv`;
    const res = await upload(`${HEADER}\n${ROW}\n`, name);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`Summary of ${"f".repeat(119)}…`);
    expect(res.body.length).toBeLessThan(100_000);
  });
});
