// Formulas shipped inside the package, as TOML text (parsed by the same code as a town's files),
// so every town has them without copying files. A town's own file of the same name wins.
export const BUILTIN_FORMULAS: Readonly<Record<string, string>> = {
  'polecat-work': `
formula = "polecat-work"
description = "Work {{issue}} to a merge request: understand it, implement, test, commit, hand in"
version = 1

[vars.issue]
description = "the bead to work on"
required = true

[[steps]]
id = "understand"
title = "Understand {{issue}}"
description = """
Read the bead in full (\`bd show {{issue}}\`), its acceptance criteria and the code it touches.
If something is unclear, ask before building the wrong thing:
\`gt mail send mayor -s "question on {{issue}}" -m "..."\`."""

[[steps]]
id = "implement"
title = "Implement {{issue}}"
needs = ["understand"]
description = "Make the change in this worktree, focused on what the bead asks. Add or update tests that show it works."

[[steps]]
id = "test"
title = "Run the tests for {{issue}}"
needs = ["implement"]
description = "Run the project's test suite and fix what fails. The refinery runs the same tests and bounces red work."

[[steps]]
id = "commit"
title = "Commit {{issue}}"
needs = ["test"]
description = "Commit with a message that says what changed and why, and names {{issue}}."

[[steps]]
id = "hand-in"
title = "Hand in {{issue}} with gt done"
needs = ["commit"]
description = "Run \`gt done\`: it pushes the branch and files the merge request. Your session ends after it."
`,
  'bug-fix': `
formula = "bug-fix"
description = "Fix bug {{issue}} test-first: reproduce it, pin it with a failing test, fix, hand in"
version = 1

[vars.issue]
description = "the bug's bead"
required = true

[[steps]]
id = "reproduce"
title = "Reproduce {{issue}}"
description = "Read the bug (\`bd show {{issue}}\`) and make it happen. Write down the exact steps and the wrong output in a comment (\`bd comment {{issue}} ...\`)."

[[steps]]
id = "failing-test"
title = "Write a failing test for {{issue}}"
needs = ["reproduce"]
description = "Add a test that fails for the reason the bug describes. Run it and see it fail."

[[steps]]
id = "fix"
title = "Fix {{issue}}"
needs = ["failing-test"]
description = "Fix the cause, not the symptom. The new test passes; run the whole suite and keep it green."

[[steps]]
id = "hand-in"
title = "Commit and hand in {{issue}}"
needs = ["fix"]
description = "Commit (the message names {{issue}} and the cause), then run \`gt done\`."
`,
};
