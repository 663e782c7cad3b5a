import { Tensor, shapeSize } from "../tensor/tensor.js";

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

/**
 * A memory plan by slots: tensors that are never live at the same time share a slot, and
 * each slot is one Float32Array as large as its largest tensor. Returns the tensors (views
 * on their slot's buffer) in request order.
 *
 *   planSlots([{ slot: "a", shape: [1, 16, 112, 112] }, { slot: "a", shape: [1, 24, 56, 56] }])
 *   → two tensors over the same 200 704 floats.
 *
 * With `allocate`, all slots are carved from one block it returns (the wasm backend's
 * memory), each slot starting on a 4-float (16-byte) boundary.
 */
export function planSlots(
  requests: readonly { slot: string; shape: readonly number[] }[],
  allocate?: (floats: number) => Float32Array,
): Tensor[] {
  const sizes = slotSizes(requests);
  let buffers: Map<string, Float32Array>;
  if (allocate === undefined) {
    buffers = new Map([...sizes].map(([slot, size]) => [slot, new Float32Array(size)]));
  } else {
    const block = allocate(slotFloats(requests));
    let at = 0;
    buffers = new Map();
    for (const [slot, size] of sizes) {
      buffers.set(slot, block.subarray(at, at + size));
      at += alignToVector(size);
    }
  }
  return requests.map((r) => new Tensor(r.shape, buffers.get(r.slot)!.subarray(0, shapeSize(r.shape))));
}

/** Each slot's size: its largest tensor. */
function slotSizes(requests: readonly { slot: string; shape: readonly number[] }[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const r of requests) sizes.set(r.slot, Math.max(sizes.get(r.slot) ?? 0, shapeSize(r.shape)));
  return sizes;
}

function alignToVector(floats: number): number {
  return Math.ceil(floats / 4) * 4;
}

/** Floats the one block of planSlots(requests, allocate) takes (each slot on a 4-float boundary). */
export function slotFloats(requests: readonly { slot: string; shape: readonly number[] }[]): number {
  let total = 0;
  for (const size of slotSizes(requests).values()) total += alignToVector(size);
  return total;
}
