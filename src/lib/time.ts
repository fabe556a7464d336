// Timestamps in the format Beads uses: RFC 3339 with a zone offset.
export function now(): string {
  return new Date().toISOString();
}

export function ageMs(iso: string | undefined, at = Date.now()): number {
  if (!iso) return Infinity;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Infinity : at - t;
}
