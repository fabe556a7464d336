// The synchronous store of before the async interface, kept while callers move to api.ts /
// open.ts (town.stores, openStore(spec)). Remove once nothing imports it.
export { resolveActor } from './actor.js';
export type { BeadEvent, Comment, Dependency, Issue, Status } from './model.js';
export type { ChildEdge, ChildInput, CreateInput, ListFilter, UpdatePatch } from './api.js';
export { openStore, type BeadStore, type Store } from './sqlite/engine.js';
