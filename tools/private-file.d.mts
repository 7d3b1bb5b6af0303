export function writePrivate(file: string, text: string): void;
