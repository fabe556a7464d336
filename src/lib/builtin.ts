// Node built-ins loaded on first use rather than at import. Under Bun, node:child_process,
// node:crypto and the like cost milliseconds each to load, on every short command that imports
// them but never calls them. Bun's own require is used there: its createRequire costs ~20 ms on
// first use.
import { createRequire } from 'node:module';

type Require = (id: string) => unknown;
let req: Require | undefined;

export function builtin<T>(id: `node:${string}`): T {
  req ??= (import.meta as unknown as { require?: Require }).require ?? createRequire(import.meta.url);
  return req(id) as T;
}
