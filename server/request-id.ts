import { randomUUID } from "node:crypto";

// Accept a caller's id only if it is short and plain, so it is safe to log and echo.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function resolveRequestId(incoming: string | string[] | undefined): string {
  const id = Array.isArray(incoming) ? incoming[0] : incoming;
  return id && VALID_REQUEST_ID.test(id) ? id : randomUUID();
}
