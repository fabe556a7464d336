// Runtime figures: session start/probe/capture/send/stop for tmux and headless, and one real
// `claude -p` round trip (two model turns + a real Bash call) against the stub model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tmuxProvider, headlessProvider, type SessionProvider } from '../src/runtime/session.js';
import { killServer } from '../src/lib/tmux.js';
import { run } from '../src/lib/proc.js';
import { startStubModel } from '../test/support/stub-model.js';
import { claudeBin, claudeEnv } from '../test/support/claude.js';
import { seedClaudeHome } from '../src/runtime/adapters/claude.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-bench-rt-'));
const socket = `gt-bench-${process.pid}`;
const N = 20;
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bench(label: string, p: SessionProvider): Promise<void> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const start: number[] = [], get: number[] = [], cap: number[] = [], stop: number[] = [];
  for (let i = 0; i < N; i++) {
    const name = `b${i}`;
    let t = process.hrtime.bigint();
    p.start({ name, cwd: dir, env, argv: ['sleep', '30'] });
    start.push(ms(t));
    t = process.hrtime.bigint(); p.get(name); get.push(ms(t));
    t = process.hrtime.bigint(); p.capture(name); cap.push(ms(t));
    t = process.hrtime.bigint(); await p.stop(name); stop.push(ms(t));
  }
  console.log(`${label.padEnd(9)} median ms over ${N}: start ${median(start).toFixed(1)}  get ${median(get).toFixed(1)}  capture ${median(cap).toFixed(1)}  stop ${median(stop).toFixed(1)}`);
}

try {
  await bench('tmux', tmuxProvider(socket, join(dir, 'launch')));
  await bench('headless', headlessProvider(join(dir, 'headless')));
  const stub = await startStubModel([
    { tool: { name: 'Bash', input: { command: 'true', description: 'noop' } } },
    { text: 'done' },
  ]);
  const home = join(dir, 'home');
  writeFileSync(join(dir, '.keep'), '');
  seedClaudeHome(home, dir);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    const r = await run(claudeBin, ['-p', 'go', '--dangerously-skip-permissions', '--output-format', 'json'], { cwd: dir, env: { HOME: home, ...claudeEnv(stub.url) }, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(r.stderr);
    times.push(ms(t));
  }
  console.log(`claude -p round trip (2 turns + Bash) vs stub: median ${median(times).toFixed(0)} ms over 3`);
  await stub.close();
} finally {
  killServer(socket);
  rmSync(dir, { recursive: true, force: true });
}
