import { expect, type Page } from "@playwright/test";

// The pages every page-wide check visits (axe, sideways scrolling, CSP events), and how to
// bring each into the state worth checking.

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };

/** An ordinary home as a shareable result URL (the loader estimates it). */
export const RESULT_URL =
  "/?Neighborhood=Northridge_Heights&Gr_Liv_Area=900&Total_Bsmt_SF=900&Lot_Area=9000" +
  "&Year_Built=1960&Overall_Cond=Average&Bedroom_AbvGr=2&Full_Bath=1&Half_Bath=0" +
  "&Garage_Cars=1&Year_Sold=2010&Mo_Sold=6";

/** A home far outside the training data: warnings and a wider interval. */
export const EXTREME_URL =
  "/?Neighborhood=Old_Town&Gr_Liv_Area=20000&Total_Bsmt_SF=0&Lot_Area=1000000" +
  "&Year_Built=1800&Overall_Cond=Very_Poor&Bedroom_AbvGr=12&Full_Bath=0&Half_Bath=5" +
  "&Garage_Cars=0&Year_Sold=2006&Mo_Sold=1";

export const BATCH_FIXTURE = "tests/fixtures/batch-mixed.csv";

export const hydrated = (page: Page) =>
  page.waitForFunction(() => "__remixRouter" in window, null, { timeout: 15_000 });

export type PageCase = { name: string; open: (page: Page) => Promise<void> };

export const PAGES: PageCase[] = [
  {
    name: "home",
    open: async (page) => {
      await page.goto("/");
      await hydrated(page);
    },
  },
  {
    name: "result",
    open: async (page) => {
      await page.goto(RESULT_URL);
      await expect(page.getByTestId("estimate-result")).toBeVisible();
      await hydrated(page);
    },
  },
  {
    name: "result out of range",
    open: async (page) => {
      await page.goto(EXTREME_URL);
      await expect(page.getByTestId("estimate-result")).toBeVisible();
      await hydrated(page);
    },
  },
  {
    name: "model card",
    open: async (page) => {
      await page.goto("/model"); // loads no JavaScript (handle.hydrate = false)
    },
  },
  {
    name: "batch with results",
    open: async (page) => {
      await page.goto("/batch");
      await hydrated(page);
      await page.getByLabel("CSV file").setInputFiles(BATCH_FIXTURE);
      await page.getByRole("button", { name: "Check file" }).click();
      await expect(page.getByTestId("batch-summary")).toBeVisible();
    },
  },
  {
    name: "docs",
    open: async (page) => {
      await page.goto("/docs");
      await hydrated(page);
    },
  },
  {
    name: "404",
    open: async (page) => {
      await page.goto("/no/such/page"); // loads no JavaScript
    },
  },
];

/** Collects securitypolicyviolation DOM events (the browser's own report, not console text). */
export async function watchCspEvents(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { __cspViolations: seen });
    document.addEventListener("securitypolicyviolation", (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  return () =>
    page.evaluate(
      () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
    );
}

/** How far the page scrolls sideways (0 = fits the viewport). */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
