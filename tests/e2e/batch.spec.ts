import fs from "node:fs";
import { parse } from "csv-parse/sync";
import { expect, test, type Page } from "@playwright/test";

// The batch page against the production build: upload a CSV with good and bad rows, read the
// summary and the per-row errors, download the full result and check its rows.

const SHOTS = "tests/artifacts/screenshots";
const FIXTURE = "tests/fixtures/batch-mixed.csv"; // 9 rows: 6 good, 3 with errors

test.describe.configure({ timeout: 90_000 });
test.use({ extraHTTPHeaders: { "X-Forwarded-For": `192.0.2.${Math.floor(Math.random() * 250)}` } });

const hydrated = (page: Page) => page.waitForFunction(() => "__remixRouter" in window);

async function expectSummaryAndErrors(page: Page) {
  const summary = page.getByTestId("batch-summary");
  await expect(summary.getByTestId("rows-total")).toHaveText("9");
  await expect(summary.getByTestId("rows-ok")).toHaveText("6");
  await expect(summary.getByTestId("rows-failed")).toHaveText("3");
  await expect(page.getByText("Ignored columns")).toContainText("id");

  const preview = page.getByTestId("batch-preview").locator("tbody tr");
  await expect(preview).toHaveCount(9);
  await expect(preview.nth(0)).toContainText("North Ames");
  await expect(preview.nth(0)).toContainText(/\$\d{2,3},000/);
  await expect(preview.nth(5)).toContainText("1 problem");

  // Row number, field and message for every problem.
  const errors = page.getByTestId("batch-errors").locator("tbody tr");
  await expect(errors).toHaveCount(4);
  await expect(errors.nth(0)).toContainText("6");
  await expect(errors.nth(0)).toContainText("Neighbourhood");
  await expect(errors.nth(0)).toContainText("must be one of");
  await expect(errors.nth(1)).toContainText("7");
  await expect(errors.nth(1)).toContainText("Above-ground living area");
  await expect(errors.nth(1)).toContainText("must be a number");
  await expect(errors.nth(2)).toContainText("Year built");
  await expect(errors.nth(2)).toContainText("must be at most 2010");
  await expect(errors.nth(3)).toContainText("Year of sale");
}

async function downloadResults(page: Page) {
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download results (CSV)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("batch-mixed-estimates.csv");
  const text = fs.readFileSync((await file.path())!, "utf8");
  return parse(text, { columns: true }) as Record<string, string>[];
}

test("upload with JavaScript: summary, first rows, per-row errors, then the full CSV", async ({
  page,
}) => {
  await page.goto("/batch");
  await hydrated(page);
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  await page.getByLabel("CSV file").setInputFiles(FIXTURE);
  await page.getByRole("button", { name: "Check file" }).click();
  await expectSummaryAndErrors(page);
  expect(await page.evaluate(() => "__sameDocument" in window)).toBe(true);
  await page.screenshot({ path: `${SHOTS}/batch-js.png`, fullPage: true });

  // The file is still selected: download straight away.
  const rows = await downloadResults(page);
  expect(rows).toHaveLength(9);
  expect(rows.map((r) => r.row)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  expect(rows.map((r) => r.id)).toEqual(
    fs
      .readFileSync(FIXTURE, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",")[0]),
  );
  for (const r of rows.filter((_, i) => ![5, 6, 7].includes(i))) {
    const [price, lower, upper] = [r.predicted_price, r.interval_lower, r.interval_upper].map(
      Number,
    );
    expect(price).toBeGreaterThan(30_000);
    expect(lower).toBeLessThan(price);
    expect(upper).toBeGreaterThan(price);
    expect(r.interval_level).toBe("0.9");
    expect(r.errors).toBe("");
    expect(r.prediction_id).toMatch(/^[0-9a-f-]{36}$/); // for POST /api/v1/feedback
  }
  expect(rows[5]).toMatchObject({ predicted_price: "", id: "bad-nbhd", prediction_id: "" });
  expect(rows[5].errors).toMatch(/^Neighborhood: must be one of/);
  expect(rows[6].errors).toBe("Gr_Liv_Area: must be a number");
  expect(rows[7].errors).toBe("Year_Built: must be at most 2010; Year_Sold: must be at most 2010");
  // The preview's first estimate is the download's first price (rounded to $1,000 on screen).
  const shown = await page.getByTestId("batch-preview").locator("tbody tr").nth(0).innerText();
  const shownPrice = Number(shown.match(/\$([\d,]+)/)![1].replace(/,/g, ""));
  expect(Math.abs(shownPrice - Number(rows[0].predicted_price))).toBeLessThanOrEqual(500);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("check and download are plain form posts", async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto("/batch");
    await page.getByLabel("CSV file").setInputFiles(FIXTURE);
    await page.getByRole("button", { name: "Check file" }).click();
    await expectSummaryAndErrors(page);
    // On a phone the summary is below the form: the new page opens scrolled to it.
    await expect(page).toHaveURL(/\/batch#summary-title$/);
    await expect(page.getByTestId("batch-summary")).toBeInViewport();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: `${SHOTS}/batch-no-js.png`, fullPage: true });
    // After a full page load the file must be chosen again; then the download works.
    await page.getByLabel("CSV file").setInputFiles(FIXTURE);
    const rows = await downloadResults(page);
    expect(rows).toHaveLength(9);
    expect(rows.filter((r) => r.errors === "")).toHaveLength(6);
  });
});

test("files the page cannot use get a clear message, not a crash", async ({ page }) => {
  await page.goto("/batch");
  await hydrated(page);
  const upload = async (name: string, content: string) => {
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(content) });
    await page.getByRole("button", { name: "Check file" }).click();
  };

  await upload("missing.csv", "Neighborhood,Gr_Liv_Area\nNorth_Ames,1500\n");
  await expect(page.getByRole("alert")).toContainText("The file has no column for: Total_Bsmt_SF");

  await upload("ragged.csv", "Neighborhood,Gr_Liv_Area\nNorth_Ames\n");
  await expect(page.getByRole("alert")).toContainText("could not be read");

  const header = fs.readFileSync(FIXTURE, "utf8").split("\n")[0];
  const row = fs.readFileSync(FIXTURE, "utf8").split("\n")[1];
  await upload("huge.csv", [header, ...Array(10_001).fill(row)].join("\n"));
  await expect(page.getByRole("alert")).toContainText("more than 10,000 data rows");
  await page.screenshot({ path: `${SHOTS}/batch-error.png`, fullPage: true });

  // A download that fails comes back to the page with a message instead of a broken file.
  await page.getByLabel("CSV file").setInputFiles({
    name: "missing.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("Neighborhood\nNorth_Ames\n"),
  });
  await page.getByRole("button", { name: "Download results (CSV)" }).click();
  await expect(page).toHaveURL(/\/batch\?download_error=invalid_input#batch-error$/);
  await expect(page.getByRole("alert")).toContainText("The download did not work");
  // The reload cleared the file field: the message says to choose the file again.
  await expect(page.getByRole("alert")).toContainText("Choose the file again");
});

test("broken files: the line to fix, or the columns that are missing", async ({ page }) => {
  await page.goto("/batch");
  await hydrated(page);
  const upload = async (name: string, mimeType: string, content: string) => {
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name, mimeType, buffer: Buffer.from(content) });
    await page.getByRole("button", { name: "Check file" }).click();
  };
  const header = fs.readFileSync(FIXTURE, "utf8").split("\n")[0];
  const row = fs.readFileSync(FIXTURE, "utf8").split("\n")[1];
  // The quote opens on line 3 (the second data row); the parser gives up at the end of the file.
  const cells = row.split(",");
  cells[1] = `"${cells[1]}`;
  await upload("quote.csv", "text/csv", [header, row, cells.join(","), row, row].join("\n"));
  await expect(page.getByRole("alert")).toContainText("opened on line 3 is never closed");

  await upload("notes.txt", "text/plain", "My house is lovely.\n");
  await expect(page.getByRole("alert")).toContainText("not a header naming the required columns");
  await expect(page.getByRole("alert")).toContainText(
    "no column for: Neighborhood (Neighbourhood)",
  );
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 812 } });

  test("Check file moves focus to the summary; wide tables scroll by keyboard", async ({
    page,
  }) => {
    await page.goto("/batch");
    await hydrated(page);
    await page.getByLabel("CSV file").setInputFiles(FIXTURE);
    await page.getByRole("button", { name: "Check file" }).click();
    const heading = page.getByRole("heading", { name: "Summary of batch-mixed.csv" });
    await expect(heading).toBeFocused();
    await expect(heading).toBeInViewport();
    const region = page.getByRole("region", { name: "Table of the first rows" });
    await expect(region).toHaveAttribute("tabindex", "0");
    const canScroll = await region.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(canScroll).toBe(true);
    await expect(page.getByText("Scroll the table sideways")).toBeVisible();
    await region.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
