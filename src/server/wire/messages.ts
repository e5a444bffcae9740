/**
 * Docker's JSONMessage shapes, the lines of its JSON message streams
 * (import, load, and later pull and push progress): `{"status": …}`,
 * `{"stream": …}`, and the in-band error `{"errorDetail": …, "error": …}`
 * sent once a streaming 200 has started. Pure; streams/json-stream.ts
 * writes them.
 */

/** A status line (`docker import` prints the new image's ID from it). */
export function statusMessage(status: string): { status: string } {
  return { status };
}

/** A line of text for the client to print as is (`docker load`'s "Loaded image: …"). */
export function streamMessage(text: string): { stream: string } {
  return { stream: text };
}

/** An in-band error line. */
export function errorMessage(message: string): { errorDetail: { message: string }; error: string } {
  return { errorDetail: { message }, error: message };
}
