/** The property names a host or a board script can hand to the bundle, each with where it was found. */
export function apiPropertyNames(root: string): Map<string, string>;
