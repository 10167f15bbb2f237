/** Doubles in a Float64Array that doubles its capacity when full: samples without a boxed number each. */
export class Float64List {
  values: Float64Array;
  n = 0;

  constructor(initialCapacity: number) {
    this.values = new Float64Array(initialCapacity);
  }

  add(v: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }
}
