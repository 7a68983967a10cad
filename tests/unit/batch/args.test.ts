import { describe, expect, it } from "vitest";
import { parseBatchArgs, UsageError, type PredictArgs } from "../../../scripts/batch/args";
import { ownsChunk, parsePart } from "../../../scripts/batch/part";

const score = (argv: string[], env: Record<string, string> = {}) =>
  parseBatchArgs(argv, env) as PredictArgs;

describe("batch CLI arguments", () => {
  it("parses a full command line and derives the error file", () => {
    const a = score([
      "--input",
      "in.csv",
      "--output",
      "out/res.csv",
      "--chunk",
      "100",
      "--part",
      "1/3",
    ]);
    expect(a).toMatchObject({
      command: "score",
      input: "in.csv",
      output: "out/res.csv",
      errors: "out/res.errors.csv",
      chunk: 100,
      part: { index: 1, count: 3 },
      model: "models",
      keep: [],
      onlyPredictions: false,
    });
  });

  it("takes the part index from AWS Batch and fills {part} in output and errors", () => {
    const a = score(
      ["-i", "s3://b/in.csv", "-o", "s3://b/out/part-{part}.csv", "--part", "auto/4"],
      { AWS_BATCH_JOB_ARRAY_INDEX: "2" },
    );
    expect(a.part).toEqual({ index: 2, count: 4 });
    expect(a.output).toBe("s3://b/out/part-2.csv");
    expect(a.errors).toBe("s3://b/out/part-2.errors.csv");
  });

  it.each([
    [["--output", "o.csv"], /--input is required/],
    [["--input", "i.csv"], /--output is required/],
    [["-i", "i.csv", "-o", "o.csv", "--chunk", "0"], /--chunk must be/],
    [["-i", "i.csv", "-o", "o.csv", "--chunk", "1.5"], /--chunk must be/],
    [["-i", "i.csv", "-o", "o.csv", "--part", "3/3"], /i must be below n/],
    [["-i", "i.csv", "-o", "o.csv", "--part", "1-3"], /--part must look like/],
    [["-i", "i.csv", "-o", "o.csv", "--part", "auto/3"], /AWS_BATCH_JOB_ARRAY_INDEX/],
    [["-i", "i.csv", "-o", "i.csv"], /must differ from --input/],
    [["-i", "i.csv", "-o", "o.csv", "--bogus"], /Unknown option '--bogus'/],
    [["-i", "i.csv", "-o", "o.csv", "--progress", "loud"], /--progress must be/],
    [["merge", "-o", "m.csv"], /needs the part files/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseBatchArgs(argv, {})).toThrow(UsageError);
    expect(() => parseBatchArgs(argv, {})).toThrow(message);
  });

  it("refuses auto/n without {part} in the output (array children would overwrite each other)", () => {
    expect(() =>
      parseBatchArgs(["-i", "i.csv", "-o", "o.csv", "--part", "auto/2"], {
        AWS_BATCH_JOB_ARRAY_INDEX: "0",
      }),
    ).toThrow(/\{part\}/);
  });

  it("parses the merge command", () => {
    expect(parseBatchArgs(["merge", "-o", "all.csv", "p0.csv", "p1.csv"], {})).toEqual({
      command: "merge",
      output: "all.csv",
      parts: ["p0.csv", "p1.csv"],
    });
  });
});

describe("part selection", () => {
  it("gives every chunk to exactly one of n parts", () => {
    for (const n of [1, 2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, i) => parsePart(`${i}/${n}`, {}));
      for (let chunk = 0; chunk < 50; chunk++) {
        expect(parts.filter((p) => ownsChunk(p, chunk))).toHaveLength(1);
      }
    }
  });
});
