// A store of any size made from the real export beside the repository (../shared/data): copies of
// its records with fresh ids, dependencies and comments remapped inside each copy, sorted by id.
export function grow(text: string, n: number): string {
  const recs = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { id: string });
  const out: { id: string; line: string }[] = [];
  for (let copy = 0; out.length < n; copy++) {
    const fresh = (id: string) => (copy === 0 ? id : id.replace(/^bd-/, `bd-c${copy}x`));
    for (const r of recs) {
      if (out.length >= n) break;
      const deps = (r.dependencies as Record<string, string>[] | undefined)?.map((d) => ({ ...d, issue_id: fresh(d.issue_id!), depends_on_id: fresh(d.depends_on_id!) }));
      const comments = (r.comments as Record<string, unknown>[] | undefined)?.map((c) => ({ ...c, id: (c.id as number) + copy * 1000, issue_id: fresh(r.id) }));
      const id = fresh(r.id);
      out.push({ id, line: JSON.stringify({ ...r, id, ...(deps ? { dependencies: deps } : {}), ...(comments ? { comments } : {}) }) });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.line).join('\n') + '\n';
}
