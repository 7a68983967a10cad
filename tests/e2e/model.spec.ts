import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startServer, type TestServer } from "../http/helpers/server";

// The model card renders its tables and SVG charts from the served bundle; without a model
// every page says so (503) instead of crashing. Screenshots go to tests/artifacts/screenshots/.

const SHOTS = "tests/artifacts/screenshots";
test.describe.configure({ timeout: 90_000 });

test("the model card shows version, split, metrics and both charts", async ({ page }) => {
  const response = await page.goto("/model");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Model card");
  await expect(page.getByTestId("model-version")).toHaveText(/^[0-9a-f]{8,}$/);

  const split = page.getByTestId("split-table").locator("tbody tr");
  await expect(split).toHaveCount(3);
  await expect(split.nth(0)).toContainText("Train");
  await expect(split.nth(2)).toContainText("Holdout");

  const metrics = page.getByTestId("metrics-table");
  await expect(metrics.locator("thead th")).toHaveText(["Metric", "Train", "Backtest", "Holdout"]);
  await expect(metrics.locator("tbody tr")).toHaveCount(6);
  await expect(metrics.getByRole("row", { name: /Interval coverage/ })).toContainText(/\d+%/);
  await expect(metrics.getByRole("row", { name: /Mean absolute error/ })).toContainText(/\$[\d,]+/);

  const importance = page.getByTestId("importance-chart");
  await expect(importance).toBeVisible();
  expect(await importance.locator("rect").count()).toBeGreaterThanOrEqual(5);
  await expect(importance).toContainText("Living area");

  const scatter = page.getByTestId("scatter-chart");
  await expect(scatter).toBeVisible();
  expect(await scatter.locator("circle").count()).toBeGreaterThan(100);
  await expect(page.getByRole("heading", { name: "Limitations" })).toBeVisible();

  // The analyst's card, from the bundle's card/backtest blocks.
  await expect(page.getByTestId("training-window")).toContainText(
    /Fitted on [\d,]+ sales from \d{4}–\d{4}/,
  );
  await expect(page.getByText("mean absolute SHAP contribution")).toBeVisible();
  const accuracy = page.getByTestId("accuracy-table").locator("tbody tr");
  await expect(accuracy).toHaveCount(4);
  await expect(accuracy.nth(1)).toContainText("Normal sales");
  await expect(accuracy.nth(0)).toContainText(/0\.\d{3}\s*0\.\d{3}–0\.\d{3}/); // RMSLE and its 95% CI
  await expect(page.getByTestId("baseline-table").locator("tbody tr")).toHaveCount(2);
  for (const segment of ["sale_condition", "price_band", "age_band", "neighborhood"]) {
    expect(
      await page.getByTestId(`segment-${segment}`).locator("tbody tr").count(),
    ).toBeGreaterThan(2);
  }
  await expect(page.getByTestId("segment-sale_condition")).toContainText("Abnormal");
  expect(await page.getByTestId("calibration-table").locator("tbody tr").count()).toBeGreaterThan(
    2,
  );
  expect(await page.getByTestId("residuals-by-price").locator("circle").count()).toBeGreaterThan(
    1000,
  );
  expect(await page.getByTestId("residuals-by-month").locator("circle").count()).toBeGreaterThan(
    1000,
  );
  await expect(page.getByTestId("backtest-table").locator("tbody tr")).toHaveCount(2);
  await expect(page.getByTestId("candidates")).toContainText("chosen");
  await expect(page.getByTestId("monotonicity-check")).toContainText("no estimate went down");
  // The training window as the bundle has it (it once said "between 2006 and 2010").
  await expect(page.getByRole("region", { name: "Limitations" })).toContainText(
    /learned from sales in Ames, Iowa, in 2006–2009 and was tested on 2010 sales/,
  );
  await page.screenshot({ path: `${SHOTS}/model.png`, fullPage: true });
});

test("an unknown page is a friendly 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await page.screenshot({ path: `${SHOTS}/not-found.png`, fullPage: true });
});

test.describe("when no model is loaded", () => {
  let server: TestServer;
  let emptyDir: string;
  test.beforeAll(async () => {
    emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "no-model-"));
    server = await startServer({ MODEL_URI: emptyDir });
  });
  test.afterAll(async () => {
    await server?.stop();
    fs.rmSync(emptyDir, { recursive: true, force: true });
  });

  test("pages answer 503 with a clear 'model not ready' state", async ({ page }) => {
    const model = await page.goto(`${server.url}/model`);
    expect(model?.status()).toBe(503);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("The model is not ready yet");
    await page.screenshot({ path: `${SHOTS}/model-not-ready.png`, fullPage: true });

    const estimate = await page.goto(
      `${server.url}/?Neighborhood=North_Ames&Gr_Liv_Area=1500&Total_Bsmt_SF=900&Lot_Area=9000` +
        "&Year_Built=1990&Overall_Cond=Average&Bedroom_AbvGr=3&Full_Bath=2&Half_Bath=0" +
        "&Garage_Cars=2&Year_Sold=2009&Mo_Sold=6",
    );
    expect(estimate?.status()).toBe(503);
    await expect(page.getByRole("status")).toContainText("The model is not ready yet");
    await expect(page.getByLabel("Above-ground living area")).toHaveValue("1500"); // inputs kept

    await page.goto(`${server.url}/batch`);
    await expect(page.getByRole("status")).toContainText("The model is not ready yet");
  });
});
