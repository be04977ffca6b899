// The ApiErrors the apiserver's PATCH handler turns patch failures into (k8s.io/apiserver
// pkg/endpoints/handlers/patch.go), so kubectl prints the same text:
// - a patch body that does not decode, or a malformed SMP directive: 400 BadRequest with the decoder's text;
// - a JSON patch operation that does not apply (and SMP "lists of lists"): errors.NewGenericServerResponse(422),
//   whose message is the fixed "the server rejected our request due to an error in our request" with empty
//   details; the library's own text is dropped upstream, we keep it as `cause` for logs and tests;
// - any other SMP failure is returned as a plain Go error, which the handler writes as a 500 Status with
//   an empty reason and the error text as message (kubectl: "Error from server: <text>").

import { ApiError } from '../errors.js';

export const REJECTED_MESSAGE = 'the server rejected our request due to an error in our request';

export const patchErr = {
  badRequest: (message: string): ApiError => new ApiError(400, 'BadRequest', message),
  /** 422 Invalid without causes; `detail` is what the patch library said. */
  rejected: (detail: string): ApiError => {
    const e = new ApiError(422, 'Invalid', REJECTED_MESSAGE, {});
    e.cause = new Error(detail);
    return e;
  },
  /** A non-Status error from the patch library: 500, reason "" (StatusReasonUnknown). */
  unknown: (message: string): ApiError => new ApiError(500, '', message),
  tooLarge: (message: string): ApiError => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`),
};

/** The text a patch library error carried, for logs: the `cause` of a 422, else the message. */
export function patchErrorDetail(e: unknown): string {
  if (e instanceof ApiError && e.cause instanceof Error) return e.cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** How the request asked the server to treat unknown or duplicate fields (`?fieldValidation=`). */
export interface PatchDecodeOptions {
  /** "Strict", "Warn" or "Ignore"; absent means the server default, "Warn". */
  fieldValidation?: string;
}

/**
 * With Strict and Warn (the default) the handler first decodes the body strictly into its own types, so a
 * malformed body is reported by that decoder ("error decoding patch: ...") rather than the patch library.
 */
export function decodesStrictly(options: PatchDecodeOptions | undefined): boolean {
  return options?.fieldValidation !== 'Ignore';
}
