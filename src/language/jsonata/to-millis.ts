/**
 * `$toMillis` without the host clock. JSONata's own `$toMillis(timestamp, picture)` fills the
 * components a picture leaves out (the year of `'[H]:[m]'`, say) from the time the evaluation
 * started, which it reads with `new Date()`, so a replay could give another answer. This
 * version runs JSONata's implementation with the instant of the event instead: the one that
 * `$millis()` reports (aws-functions.ts binds it), as AWS says `$now()` and `$millis()` are
 * fixed for the whole evaluation.
 */
import jsonata from 'jsonata';

/** JSONata's signature for `$toMillis`: a string (or the context), an optional picture. */
export const TO_MILLIS_SIGNATURE = '<s-s?:n>';

let builtin: Promise<(...args: unknown[]) => unknown> | undefined;

/** The library's implementation: the `implementation` of the function `$toMillis` evaluates to. */
async function builtinToMillis(): Promise<(...args: unknown[]) => unknown> {
  const fn: unknown = await jsonata('$toMillis').evaluate(undefined);
  if (
    typeof fn === 'object' &&
    fn !== null &&
    'implementation' in fn &&
    typeof fn.implementation === 'function'
  ) {
    const implementation = fn.implementation;
    return function (this: unknown, ...args: unknown[]): unknown {
      return Reflect.apply(implementation, this, args);
    };
  }
  throw new Error('the jsonata package no longer exposes $toMillis as a native function');
}

/**
 * The registered `$toMillis`. `this` is the focus JSONata passes to native functions; its
 * environment resolves `$millis`, bound per evaluation to the event's instant.
 */
export async function deterministicToMillis(
  this: jsonata.Focus,
  timestamp: unknown,
  picture: unknown,
): Promise<unknown> {
  builtin ??= builtinToMillis();
  const implementation = await builtin;
  const millis: unknown = this.environment.lookup('millis');
  const now: unknown =
    typeof millis === 'function' ? Reflect.apply(millis, undefined, []) : undefined;
  // JSONata's datetime parser reads nothing from the environment but `timestamp`. Without our
  // `$millis` binding (the validator compiling, formatNow's helper expression) the library's
  // own environment stays: nothing in those evaluations reads the clock.
  // eslint-disable-next-line no-restricted-globals -- a Date of the event's instant, as the parser wants one; no clock is read
  const eventInstant = typeof now === 'number' ? new Date(now) : undefined;
  const environment = eventInstant === undefined ? this.environment : { timestamp: eventInstant };
  const input: unknown = this.input;
  return implementation.call({ input, environment }, timestamp, picture);
}
