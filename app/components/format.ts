// Number formatting for the dashboard. Browser-safe; one place so every page says the same.

const USD = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 0,
});
const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const MINUS = "\u2212"; // a real minus sign: easier to read than a hyphen next to digits

/** A price rounded to `step` dollars: an estimate quoted to the dollar suggests false precision. */
export function formatPrice(value: number, step = 100): string {
  if (!Number.isFinite(value)) return "—";
  return USD.format(Math.round(value / step) * step);
}

export function formatInteger(value: number): string {
  return Number.isFinite(value) ? INTEGER.format(value) : "—";
}

/** A fraction as a percentage: 0.123 → "12.3%" (one decimal below 10%, none above). */
export function formatPercent(fraction: number, { signed = false } = {}): string {
  if (!Number.isFinite(fraction)) return "—";
  const pct = fraction * 100;
  const abs = Math.abs(pct);
  const digits = abs < 10 ? 1 : 0;
  const text = abs.toFixed(digits);
  // "−0.0%" and "+0.0%" both read as noise: a rounded zero gets no sign.
  if (Number(text) === 0) return `${(0).toFixed(digits)}%`;
  const sign = pct < 0 ? MINUS : signed ? "+" : "";
  return `${sign}${text}%`;
}

/** A multiplicative effect in log units as a signed percentage: log 0.1 → "+10.5%". */
export function formatLogEffect(logValue: number): string {
  return formatPercent(Math.expm1(logValue), { signed: true });
}

/** Data-set level names use underscores ("North_Ames"): show them with spaces. */
export function humanizeLevel(level: string): string {
  return level.replace(/_/g, " ");
}

/** A metric value for the model card, by metric name. */
export function formatMetric(name: string, value: number): string {
  switch (name) {
    case "mae":
      return formatPrice(value, 1);
    case "mape":
    case "medape":
      return formatPercent(value / 100); // the bundle stores these in percent
    case "coverage":
      return formatPercent(value); // ...and this one as a fraction
    case "r2":
    case "rmsle":
      return value.toFixed(3);
    default:
      return String(value);
  }
}

/** Validation messages are written to follow a field name ("must be at least 0"): capitalise. */
export function sentence(message: string): string {
  return message.length > 0 ? message[0].toUpperCase() + message.slice(1) : message;
}

/** Years as a compact label: [2006, 2007, 2008] → "2006–2008", [2010] → "2010". */
export function yearsLabel(years: readonly number[]): string {
  if (years.length === 0) return "—";
  const sorted = [...years].sort((a, b) => a - b);
  const contiguous = sorted.every((y, i) => i === 0 || y === sorted[i - 1] + 1);
  if (sorted.length === 1) return String(sorted[0]);
  return contiguous ? `${sorted[0]}–${sorted[sorted.length - 1]}` : sorted.join(", ");
}
