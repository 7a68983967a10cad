// zod schemas for the bundle's long numeric arrays (explain trees, the nearby-sales points, the
// comparables columns): one loop per array instead of zod's per-element checks, which made
// validating the ~170k numbers of a bundle the largest part of loading it. Browser-safe.
import { z } from "zod";

const finite = (integers: boolean) => (v: unknown) =>
  Array.isArray(v) &&
  v.every((x) => typeof x === "number" && (integers ? Number.isInteger(x) : Number.isFinite(x)));

/** An array of finite numbers. */
export const numberArray = () =>
  z.custom<number[]>(finite(false), { message: "must be an array of finite numbers" });

/** An array of integers. */
export const integerArray = () =>
  z.custom<number[]>(finite(true), { message: "must be an array of integers" });
