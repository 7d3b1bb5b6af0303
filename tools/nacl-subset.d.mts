export function naclSubset(names: string[], src?: string): string;
