/** Freezing of checked values, so a value checked once cannot change behind its checker's back. */

/** Freezes a plain (JSON-like) value and every object and array inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
