/** Types every facade area shares. */

/** Docker-style filters: key → values (OR within a key, AND across keys). */
export type Filters = Map<string, string[]>;
