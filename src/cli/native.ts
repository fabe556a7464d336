// The compiled CLI's entry (dist/bin/native; scripts/build.mjs builds it with `bun build --compile
// --bytecode`): one binary for bd, gt and the detached JSONL flusher, named by the first argument,
// which the launchers pass. Bytecode spares Bun parsing and compiling our code on every start
// (docs/cli-speed.md).
const tool = process.argv.splice(2, 1)[0];
// argv[1] as a script runtime has it, the program's path: `bd create x` in a busy writer's note, not `native create x`.
if (tool) process.argv[1] = `${process.execPath.slice(0, process.execPath.lastIndexOf('/') + 1)}${tool}`;
if (tool === 'bd') await import('./bd.js');
else if (tool === 'gt') await import('./gt.js');
else if (tool === 'flusher') await import('../beads/sqlite/flusher.js');
else {
  process.stderr.write(`native: the first argument must be bd, gt or flusher, not '${tool ?? ''}' (run the bd or gt launcher beside it)\n`);
  process.exit(2);
}
