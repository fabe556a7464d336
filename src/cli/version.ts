// The version bd and gt report (`bd version`, `gt version`, --version).
export const VERSION = '0.1.0';
