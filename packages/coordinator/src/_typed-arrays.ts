type TypedArray = Uint8Array | Int32Array | Float64Array;

/** A copy of `array` with room for `capacity` elements (the queue and the slot pool double this way). */
export function grown<T extends TypedArray>(array: T, capacity: number): T {
  const copy = new (array.constructor as new (length: number) => T)(capacity);
  copy.set(array);
  return copy;
}
