export interface Finding {
  rule: string;
  line: number;
  message: string;
}
export const ESPRUINO_MODULES: string[];
export function lint(code: string): Finding[];
