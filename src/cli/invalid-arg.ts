// An option value a parser rejects, as commander's InvalidArgumentError (commander reports any
// error whose code is 'commander.invalidArgument' as a usage error naming the option, exit 1), but
// without importing commander: the modules that declare gt's commands load on every gt start, and
// gt's hot commands run without commander (fast.ts).
export class InvalidArgumentError extends Error {
  readonly code = 'commander.invalidArgument';
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}
