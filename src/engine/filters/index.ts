/**
 * The one filters module for every list, prune and event endpoint.
 *
 * Contract:
 * - `decodeFilters(text)` turns Docker's `filters` query value (JSON, map
 *   form `{"k":{"v":true}}` or list form `{"k":["v"]}`) into raw `Filters`;
 *   malformed JSON is invalid-parameter `invalid filter: …`. The server calls
 *   it and hands the raw map to the engine facade; it does nothing else.
 * - `parseFilters(raw, allowedKeys)` is the only place keys are validated
 *   (`Invalid filter 'x'`, Docker's text) and returns a `FilterArgs`.
 * - `FilterArgs` owns the shared semantics, after moby's filters.Args:
 *   `matchLabels` (all of `k`/`k=v`, own keys only), `matchLabelFilters`
 *   (`label` and `label!`, for prune), `bool` (GetBoolOrDefault: true/1,
 *   false/0, conflicting → error), `time` (until: Go durations, RFC 3339
 *   forms, unix seconds), `matchRegexp` (names), `matchPrefix` (ids),
 *   `matchExact`, `matchAny` for endpoint-specific predicates.
 * - Endpoint-specific keys (status, ancestor, reference, before/since …)
 *   are matched by the endpoint's own module from `values(key)`.
 * Every error is an EngineError of kind invalid-parameter.
 */
export { decodeFilters, type Filters } from './decode.js';
export { FilterArgs, parseFilters, invalidFilter, type Labels } from './args.js';
export { goDurationError, parseFilterTime, parseGoDuration } from './time.js';
