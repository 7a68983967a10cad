import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { DESKTOP, PAGES, PHONE, sidewaysOverflow, watchCspEvents } from "./helpers/pages";

// Page-wide checks in real Chromium on every page, at phone and desktop width: axe (WCAG 2.1
// A/AA and best practices) finds nothing, nothing scrolls sideways on a phone, and the browser
// raises no securitypolicyviolation event (the CSP blocks nothing the page tries).

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

test.describe.configure({ timeout: 90_000 });

for (const [size, viewport] of [
  ["375 px", PHONE],
  ["1280 px", DESKTOP],
] as const) {
  test.describe(`at ${size}`, () => {
    test.use({
      viewport,
      // Each page load gets its own form rate-limit bucket (the server keys by this header).
      extraHTTPHeaders: { "X-Forwarded-For": `198.51.100.${Math.floor(Math.random() * 250)}` },
    });

    for (const p of PAGES) {
      test(`${p.name}: no axe violations, no CSP violation events, no sideways scroll`, async ({
        page,
      }) => {
        const cspEvents = await watchCspEvents(page);
        await p.open(page);
        const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
        const violations = results.violations.map(
          (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`,
        );
        expect(violations).toEqual([]);
        expect(results.passes.length).toBeGreaterThan(10); // axe really ran
        expect(await cspEvents()).toEqual([]);
        if (viewport === PHONE) expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      });
    }
  });
}
