/**
 * Buffers kept per input shape. A layer asks for its scratch tensors for a key (the
 * input's shape, e.g. "4x3x224x224"); the first run at that shape allocates them, every
 * later run at that shape reuses them. A few shapes are remembered (oldest dropped), so a
 * caller alternating batch sizes does not reallocate on every call.
 */
export class PlanCache<T> {
  private readonly plans = new Map<string, T>();

  constructor(private readonly capacity = 4) {}

  get(key: string, make: () => T): T {
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = make();
      if (this.plans.size >= this.capacity) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    return plan;
  }

  clear(): void {
    this.plans.clear();
  }
}

/** The cache key of a shape: "4x3x224x224". */
export function shapeKey(shape: readonly number[]): string {
  return shape.join("x");
}
