import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "~/api/openapi.server";
import { REPO_ROOT } from "../http/helpers/server";

// The OpenAPI document as served, linted by Redocly CLI with its recommended rules
// (redocly.yaml): zero errors and zero warnings (issue 17 item 7, ADR 0033).

const run = promisify(execFile);

describe("OpenAPI document", () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "openapi-lint-"));
    try {
      const file = path.join(dir, "openapi.json");
      const doc = buildOpenApiDocument({ maxBatchRows: 10_000, maxBodyBytes: 10 * 1024 * 1024 });
      await writeFile(file, JSON.stringify(doc));
      const out = await run(
        path.join(REPO_ROOT, "node_modules/.bin/redocly"),
        ["lint", file, "--config", path.join(REPO_ROOT, "redocly.yaml"), "--format", "json"],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
          timeout: 60_000,
        },
      ).catch((error: { stdout?: string; stderr?: string }) => error);
      const report = JSON.parse(out.stdout ?? "{}") as {
        totals?: { errors: number; warnings: number };
        problems?: { ruleId: string; message: string }[];
      };
      const problems = (report.problems ?? []).map((p) => `${p.ruleId}: ${p.message}`);
      expect(report.totals, out.stderr).toBeDefined();
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
