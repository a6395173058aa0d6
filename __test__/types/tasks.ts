// Targets the type tests call (never run: the files here are only type-checked).
export function countPrimes(limit: number): number {
  return limit;
}
export async function fetchLength(url: string): Promise<number> {
  return url.length;
}
export function add(a: number, b: number): number {
  return a + b;
}
export function greet(name: string, punctuation?: string): string {
  return name + (punctuation ?? '!');
}
export function ping(): 'pong' {
  return 'pong';
}
export function describe(item: { k: number; s: string }): string {
  return `${item.k}${item.s}`;
}
/** A target known only as a Function (from a registry, say). */
export const untyped: Function = countPrimes;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const loose = ((...args: any[]) => args.length) as (...args: any[]) => any;
