import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCsv } from "../../../scripts/batch/generate";
import { MODEL_DIR, runCli, summaryOf } from "./run-cli";

// The CLI as a process: exit codes and messages for each kind of failure, and a real run.

let dir: string;
const at = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "batch-cli-"));
  await generateCsv(at("in.csv"), { rows: 2500, badEvery: 250, seed: 7 });
  // The served bundle with one byte of model.onnx changed: its sha256 no longer matches.
  const latest = (await readFile(path.join(MODEL_DIR, "LATEST"), "utf8")).trim();
  await cp(path.join(MODEL_DIR, latest), at("tampered"), { recursive: true });
  const onnx = await readFile(at("tampered/model.onnx"));
  onnx[1000] ^= 0xff;
  await writeFile(at("tampered/model.onnx"), onnx);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("predict CLI", () => {
  it("scores a file: summary, output rows + error rows = input rows, non-TTY progress quiet", async () => {
    const result = await runCli([
      "--input",
      at("in.csv"),
      "--output",
      at("out.csv"),
      "--chunk",
      "1000",
      "--model",
      MODEL_DIR,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = summaryOf(result);
    expect(summary).toMatchObject({
      rows: 2500,
      chunks: 3,
      predicted: 2490,
      failedRows: 10,
      part: "0/1",
    });
    const out = (await readFile(at("out.csv"), "utf8")).trim().split("\n");
    const errors = (await readFile(at("out.errors.csv"), "utf8")).trim().split("\n");
    expect(out).toHaveLength(1 + 2490);
    expect(errors[0]).toBe("row,field,message");
    expect(errors.slice(1).map((l) => l.split(",")[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => String((i + 1) * 250)),
    );
    expect(result.stderr).toMatch(/scored 2,500 of 2,500 rows/);
    expect(result.stderr).not.toContain("\r"); // not a terminal: no redraws
    expect(result.stderr.match(/^progress:/gm)?.length ?? 0).toBeLessThanOrEqual(2);
  }, 60_000);

  it.each([
    ["bad arguments", ["--input", "x.csv"], 2, /--output is required/],
    [
      "a missing input",
      ["--input", "/nonexistent/in.csv", "--output", "/tmp/x.csv"],
      3,
      /cannot read input .*nonexistent/,
    ],
    [
      "an unknown model folder",
      ["--input", "IN", "--output", "OUT", "--model", "/nonexistent/models"],
      4,
      /cannot load the model/,
    ],
    [
      "a tampered bundle",
      ["--input", "IN", "--output", "OUT", "--model", "TAMPERED"],
      4,
      /cannot load the model: .*model\.onnx sha256 \w+ does not match the manifest/,
    ],
  ])(
    "exits non-zero with a clear message on %s",
    async (_what, argv, code, message) => {
      const named: Record<string, string> = {
        IN: at("in.csv"),
        OUT: at("never.csv"),
        TAMPERED: at("tampered"),
      };
      const args = argv.map((a) => named[a] ?? a);
      if (!args.includes("--model")) args.push("--model", MODEL_DIR);
      const result = await runCli(args);
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message);
    },
    60_000,
  );

  it("refuses a file without a required column (exit 3) and leaves no output file behind", async () => {
    await writeFile(at("odd.csv"), "Gr_Liv_Area,Colour\n1500,red\n");
    const result = await runCli([
      "-i",
      at("odd.csv"),
      "-o",
      at("odd-out.csv"),
      "--model",
      MODEL_DIR,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no column for: .*Neighborhood/);
    await expect(readFile(at("odd-out.csv"))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
