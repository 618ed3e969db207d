// execa.cjs: execa and its dependencies, bundled apart (~230 kB) and required only when a command calls it (the
// network package lists the ruleset with it). Every bundle holding it was read and parsed whole at each start:
// run.cjs and quick.cjs are a third smaller without it.
export * from 'execa';
