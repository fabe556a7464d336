// The polecat name pool: short, memorable, themed names (a fuel-depot theme). Pure.
export const POLECAT_NAMES: readonly string[] = [
  'piston', 'sparky', 'torque', 'diesel', 'gasket', 'nitro', 'octane', 'throttle', 'clutch', 'axle',
  'rivet', 'spanner', 'ratchet', 'fender', 'muffler', 'carb', 'valve', 'camshaft', 'crank', 'bolt',
  'sprocket', 'turbo', 'ignition', 'manifold', 'radiator', 'dipstick', 'lugnut', 'chassis', 'hubcap', 'wrench',
  'grease', 'flywheel', 'kerosene', 'propane', 'naphtha', 'tanker', 'jerrycan', 'pump', 'nozzle', 'siphon',
];

/** The first pool name not in use; past the pool, name-2, name-3 and so on. */
export function pickPolecatName(inUse: ReadonlySet<string>, pool: readonly string[] = POLECAT_NAMES): string {
  for (const n of pool) if (!inUse.has(n)) return n;
  for (let round = 2; ; round++) for (const n of pool) if (!inUse.has(`${n}-${round}`)) return `${n}-${round}`;
}
