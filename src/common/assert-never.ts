/** Ends an exhaustive `switch`: the compiler proves it unreachable; at run time it throws. */
export function assertNever(value: never, what = 'value'): never {
  throw new TypeError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
