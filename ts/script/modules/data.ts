/** k6/data: SharedArray, built once per worker thread and shared read-only by its VUs. */
const arrays = new Map<string, readonly unknown[]>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function createData() {
  class SharedArray {
    constructor(name: string, make: () => unknown[]) {
      if (typeof name !== 'string' || name === '') throw new Error('SharedArray needs a non-empty name');
      let array = arrays.get(name);
      if (!array) {
        if (typeof make !== 'function') throw new Error('SharedArray needs a function that returns an array');
        const made = make();
        if (!Array.isArray(made)) throw new Error(`SharedArray '${name}': the function must return an array`);
        array = deepFreeze(made);
        arrays.set(name, array);
      }
      return array as unknown as SharedArray;
    }
  }
  const api = { SharedArray };
  return { ...api, default: api };
}
