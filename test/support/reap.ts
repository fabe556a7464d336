// Ends every process a test left behind in its temporary directory before the directory goes.
// A test that fails or times out skips its own teardown, and agents' scripts run in process
// groups of their own, so without this a town's tmux server, its polecats' scripts and its
// deacon outlive the test (and load the machine for every test after it). A process belongs to
// the directory when its working directory, its command line or its environment names it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function mentions(pid: string, dir: string): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) return true;
  } catch { /* gone, or not ours */ }
  for (const file of ['cmdline', 'environ']) {
    try {
      if (readFileSync(`/proc/${pid}/${file}`, 'latin1').includes(dir)) return true;
    } catch { /* gone, or not ours */ }
  }
  return false;
}

/** This process and its ancestors: never ours to kill, whatever their command lines say. */
function lineage(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid);) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** SIGKILLs every process that mentions `dir` (Linux /proc; elsewhere nothing). Returns how many. */
export function reapUnder(dir: string): number {
  let names: string[];
  try {
    names = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  const keep = lineage();
  let killed = 0;
  for (const name of names) {
    if (keep.has(Number(name)) || !mentions(name, dir)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      killed++;
    } catch { /* gone meanwhile */ }
  }
  return killed;
}
