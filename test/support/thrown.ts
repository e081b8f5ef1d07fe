// The error a call throws, checked for its class.

/** The error `fn` throws, which must be an instance of `type` (anything else is rethrown). */
export function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}`);
}
