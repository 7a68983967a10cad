// Where an SVG chart's text labels go so that they never overlap or leave the chart, from an
// estimate of their width (SVG text cannot be measured on the server, and the chart scales
// with its viewBox, so one layout holds at every screen width). Browser-safe.

/** Average advance of a character in the sans-serif UI font, in em (digits and $ are ~0.55). */
const EM_PER_CHAR = 0.62;

export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * EM_PER_CHAR;
}

export type PlacedLabel = { text: string; x: number; anchor: "start" | "middle" | "end" };

/** A label centred on `x` as far as it fits, slid inwards to stay within [min, max]. */
export function clampLabel(
  text: string,
  x: number,
  fontSize: number,
  [min, max]: readonly [number, number],
): PlacedLabel {
  const w = textWidth(text, fontSize);
  if (x - w / 2 < min) return { text, x: min, anchor: "start" };
  if (x + w / 2 > max) return { text, x: max, anchor: "end" };
  return { text, x, anchor: "middle" };
}

/**
 * The interval's two end labels: under each end when both fit apart (lower left-aligned at its
 * end, upper right-aligned), else one "lower – upper" label centred under the band.
 */
export function intervalLabels(
  lower: { text: string; x: number },
  upper: { text: string; x: number },
  fontSize: number,
  bounds: readonly [number, number],
  gap = 8,
): PlacedLabel[] {
  const wLo = textWidth(lower.text, fontSize);
  const wHi = textWidth(upper.text, fontSize);
  const fits = lower.x + wLo + gap <= upper.x - wHi && lower.x >= bounds[0] && upper.x <= bounds[1];
  if (fits) {
    return [
      { text: lower.text, x: lower.x, anchor: "start" },
      { text: upper.text, x: upper.x, anchor: "end" },
    ];
  }
  return [clampLabel(`${lower.text} – ${upper.text}`, (lower.x + upper.x) / 2, fontSize, bounds)];
}
