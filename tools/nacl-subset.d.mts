export function naclSubset(names: string[], opts?: { int32?: boolean; src?: string }): string;
