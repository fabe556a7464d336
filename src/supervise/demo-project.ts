// The demo's sample project (a tiny arithmetic library with real tests) and the convoy of work
// filed against it. Each bead carries a fenced `sh` block that the built-in shell agent runs in the
// polecat's worktree; `sh fix` blocks are what it runs when that work comes back bounced.

export const SAMPLE_FILES: Record<string, string> = {
  'README.md': '# calc\n\nA tiny arithmetic library, built by a convoy of polecats.\n',
  'FEATURES.md': '# Features\n\n- add\n',
  'src/add.js': 'export function add(a, b) {\n  return a + b;\n}\n',
  'tests/add.test.js': "import assert from 'node:assert/strict';\nimport { add } from '../src/add.js';\n\nassert.equal(add(2, 3), 5);\nassert.equal(add(-1, 1), 0);\n",
  'run-tests.js':
    "// Runs every tests/*.test.js file; exits non-zero on the first failure.\n" +
    "import { readdirSync } from 'node:fs';\n" +
    "let n = 0;\n" +
    "for (const f of readdirSync(new URL('./tests', import.meta.url)).filter((f) => f.endsWith('.test.js')).sort()) {\n" +
    "  await import(`./tests/${f}`);\n  console.log(`ok ${++n} ${f}`);\n}\n" +
    "console.log(`${n} passed, 0 failed`);\n",
  'package.json': '{ "name": "calc", "type": "module", "private": true }\n',
};

export const SAMPLE_TEST_CMD = 'node run-tests.js';

export interface DemoBead {
  title: string;
  description: string;
  priority: number;
  /** Index of the demo bead this one waits for (a dependency chain the deacon feeds). */
  blockedBy?: number;
}

/** The demo rig's capacity: below the number of beads, so work visibly waits its turn. */
export const DEMO_MAX_POLECATS = 3;

const sh = (script: string, fix?: string) => '```sh\n' + script.trim() + '\n```\n' + (fix ? '\n```sh fix\n' + fix.trim() + '\n```\n' : '');

function fn(name: string, params: string, body: string, test: string): string {
  return `mkdir -p src tests
cat > src/${name}.js <<'JS'
export function ${name}(${params}) {
  ${body}
}
JS
cat > tests/${name}.test.js <<'JS'
import assert from 'node:assert/strict';
import { ${name} } from '../src/${name}.js';

${test}
JS`;
}

export const DEMO_BEADS: DemoBead[] = [
  {
    title: 'Add multiply',
    priority: 2,
    description: 'Add `multiply(a, b)` in src/multiply.js with tests.\n\n' + sh(fn('multiply', 'a, b', 'return a * b;', 'assert.equal(multiply(3, 4), 12);\nassert.equal(multiply(-2, 5), -10);')),
  },
  {
    title: 'Add divide with a zero check',
    priority: 2,
    description: 'Add `divide(a, b)` that throws on b = 0.\n\n' +
      sh(fn('divide', 'a, b', "if (b === 0) throw new RangeError('division by zero');\n  return a / b;", 'assert.equal(divide(8, 2), 4);\nassert.throws(() => divide(1, 0), RangeError);')),
  },
  {
    title: 'Add power',
    priority: 3,
    description: 'Add `power(base, exp)` for integer exponents.\n\n' + sh(fn('power', 'base, exp', 'return base ** exp;', 'assert.equal(power(2, 10), 1024);\nassert.equal(power(5, 0), 1);')),
  },
  {
    title: 'Add clamp',
    priority: 3,
    description: 'Add `clamp(x, lo, hi)`.\n\n' + sh(fn('clamp', 'x, lo, hi', 'return Math.min(hi, Math.max(lo, x));', 'assert.equal(clamp(5, 0, 3), 3);\nassert.equal(clamp(-1, 0, 3), 0);')),
  },
  {
    title: 'List multiply in FEATURES.md',
    priority: 0,
    description: 'Append multiply to the feature list.\n\n' + sh('echo "- multiply" >> FEATURES.md'),
  },
  {
    title: 'List divide in FEATURES.md',
    priority: 0,
    description: 'Append divide to the feature list. (It edits the same lines as the multiply entry, so one of the two will conflict and come back to be redone on top of the other.)\n\n' +
      sh('echo "- divide" >> FEATURES.md'),
  },
  {
    title: 'Make add variadic',
    priority: 1,
    description: 'Let `add` take any number of arguments. (The first attempt has an off-by-one that the existing tests catch; the fix does it right.)\n\n' +
      sh(
        "cat > src/add.js <<'JS'\nexport function add(...xs) {\n  return xs.reduce((s, x) => s + x, 1);\n}\nJS",
        "cat > src/add.js <<'JS'\nexport function add(...xs) {\n  return xs.reduce((s, x) => s + x, 0);\n}\nJS\ncat >> tests/add.test.js <<'JS'\nassert.equal(add(1, 2, 3, 4), 10);\nJS",
      ),
  },
  {
    title: 'Write a usage guide',
    priority: 1,
    blockedBy: 6, // documents the variadic add, so it waits for it to land
    description: 'Add USAGE.md with an example of the variadic add.\n\n' +
      sh("cat > USAGE.md <<'MD'\n# Usage\n\n```js\nimport { add } from './src/add.js';\nadd(2, 3, 4); // 9\n```\nMD"),
  },
];
