import { expect, test, type Locator } from "@playwright/test";
import { DESKTOP, EXTREME_URL, PHONE, RESULT_URL } from "./helpers/pages";

// Chart labels never overlap each other and never leave their chart, measured on the rendered
// SVG text in real Chromium, for an ordinary and an extreme home, on a phone and a desktop.

test.describe.configure({ timeout: 90_000 });
test.use({
  extraHTTPHeaders: { "X-Forwarded-For": `203.0.113.${Math.floor(Math.random() * 250)}` },
});

type Rect = { text: string; left: number; right: number; top: number; bottom: number };

async function textBoxes(chart: Locator): Promise<{ boxes: Rect[]; frame: Rect }> {
  return chart.evaluate((svg) => {
    const rect = (el: Element) => {
      const r = el.getBoundingClientRect();
      return {
        text: el.textContent ?? "",
        left: r.left,
        right: r.right,
        top: r.top,
        bottom: r.bottom,
      };
    };
    return { boxes: [...svg.querySelectorAll("text")].map(rect), frame: rect(svg) };
  });
}

function overlaps(a: Rect, b: Rect) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

for (const [size, viewport] of [
  ["375 px", PHONE],
  ["1280 px", DESKTOP],
] as const) {
  for (const [kind, url] of [
    ["ordinary (900 sq ft, 1960, Northridge Heights)", RESULT_URL],
    ["extreme (20,000 sq ft, 1800, 1,000,000 sq ft lot)", EXTREME_URL],
  ] as const) {
    test(`${kind} at ${size}: chart labels do not overlap or overflow`, async ({ page }) => {
      await page.setViewportSize(viewport);
      await page.goto(url);
      for (const id of ["interval-chart", "factor-chart"]) {
        const chart = page.getByTestId(id);
        await expect(chart).toBeVisible();
        const { boxes, frame } = await textBoxes(chart);
        expect(boxes.length).toBeGreaterThan(1);
        for (const b of boxes) {
          expect(b.left, `${id} "${b.text}" inside on the left`).toBeGreaterThanOrEqual(
            frame.left - 0.5,
          );
          expect(b.right, `${id} "${b.text}" inside on the right`).toBeLessThanOrEqual(
            frame.right + 0.5,
          );
        }
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            expect(
              overlaps(boxes[i], boxes[j]),
              `${id}: "${boxes[i].text}" vs "${boxes[j].text}"`,
            ).toBe(false);
          }
        }
      }
    });
  }
}
