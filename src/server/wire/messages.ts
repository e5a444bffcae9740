/**
 * Docker's JSONMessage shapes, the lines of its JSON message streams
 * (import, load, and later pull and push progress): `{"status": …}` and
 * `{"stream": …}`. Pull/push progress and the in-band error line
 * (`{"errorDetail": {"message": …}, "error": …}`, once a streaming 200 has
 * started) belong here too. Pure; streams/json-stream.ts writes them.
 */

/** A status line (`docker import` prints the new image's ID from it). */
export function statusMessage(status: string): { status: string } {
  return { status };
}

/** A line of text for the client to print as is (`docker load`'s "Loaded image: …"). */
export function streamMessage(text: string): { stream: string } {
  return { stream: text };
}

/** The in-band error line of a JSON message stream that has already started (a 200). */
export function errorMessage(message: string): { errorDetail: { message: string }; error: string } {
  return { errorDetail: { message }, error: message };
}
