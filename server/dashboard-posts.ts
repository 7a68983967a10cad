import type { IncomingMessage, ServerResponse } from "node:http";
import type { BodyAccount } from "~/lib/body.server";
import { MalformedRequestError, UnsupportedMediaTypeError } from "~/lib/errors.server";

// What the server checks of a post to a dashboard page (the estimate form, the batch upload)
// before reading its body (ADR 0031): the rate limit is counted first (app-listener.ts), then
// the media type, then the upload's bytes are counted against one memory budget for all
// clients.

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

const mediaType = (req: IncomingMessage) =>
  (req.headers["content-type"] ?? "").split(";", 1)[0].trim().toLowerCase();

/** A form post must be a form (415): `request.formData()` of anything else was a 500. */
export function checkFormType(req: IncomingMessage, types = FORM_TYPES): void {
  const type = mediaType(req);
  if (!types.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be ${types.join(" or ")}${type ? `, got ${type}` : ""}.`,
    );
  }
}

/** An upload is a multipart form holding the file. */
export const checkUploadType = (req: IncomingMessage) =>
  checkFormType(req, ["multipart/form-data"]);

/** The form's bytes parse as a form (400 otherwise), before the page's action sees them. */
export async function checkFormBody(url: URL, req: IncomingMessage, body: Buffer): Promise<void> {
  try {
    await new Request(url.href, {
      method: "POST",
      headers: { "Content-Type": String(req.headers["content-type"]) },
      body: body as Uint8Array<ArrayBuffer>,
    }).formData();
  } catch {
    throw new MalformedRequestError("The form data could not be read.");
  }
}

export type MemoryBudget = {
  /** An account for one request's bytes, given back when its answer is done. */
  account(res: ServerResponse): BodyAccount;
  readonly used: number;
};

/** Bytes of uploads held in memory across every request, at most `capacity`. */
export function createMemoryBudget(capacity: number): MemoryBudget {
  let used = 0;
  return {
    get used() {
      return used;
    },
    account(res) {
      let held = 0;
      res.once("close", () => {
        used -= held;
        held = 0;
      });
      return {
        take(bytes) {
          if (used + bytes > capacity) return false;
          used += bytes;
          held += bytes;
          return true;
        },
      };
    },
  };
}
