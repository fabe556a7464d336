// The compiled CLI's entry (dist/bin/native; scripts/build.mjs builds it with `bun build --compile
// --bytecode`): one binary for bd, gt and the detached JSONL flusher, named by the first argument,
// which the launchers pass. Bytecode spares Bun parsing and compiling our code on every start
// (docs/cli-speed.md).
const tool = process.argv.splice(2, 1)[0];
if (tool === 'bd') await import('./bd.js');
else if (tool === 'gt') await import('./gt.js');
else if (tool === 'flusher') await import('../beads/sqlite/flusher.js');
else {
  process.stderr.write(`native: the first argument must be bd, gt or flusher, not '${tool ?? ''}' (run the bd or gt launcher beside it)\n`);
  process.exit(2);
}
