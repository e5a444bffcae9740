/** Types every facade area shares. */

/**
 * Docker-style filters as decoded from the query (key → values), validated
 * and matched by each endpoint through ../filters (the one filters module).
 */
export type { Filters } from '../filters/index.js';
export { decodeFilters } from '../filters/index.js';
