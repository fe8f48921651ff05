/** Blocks of a WebAssembly memory: byte offsets handed out and taken back (see {@link wasmHeap}). */
export interface WasmHeap {
  /** The byte offset of a free block of at least `bytes` bytes, 64-byte aligned. */
  allocate(bytes: number): number;
  /** Gives back the block at `offset` (from {@link WasmHeap.allocate}). */
  release(offset: number): void;
  /** Bytes in live blocks. */
  readonly used: number;
}

/**
 * A first-fit allocator over a WebAssembly memory from byte `start` upward, for the wasm backend's
 * buffers: its scratch space and the arrays it hands out with `Backend.allocate`. Free blocks are
 * kept sorted and merged with their neighbours; when none fits, the block goes at the top and
 * `grow(end)` is asked to make the memory at least `end` bytes long (where it throws, the
 * allocation fails and the heap is as it was). Blocks are multiples of 64
 * bytes at 64-byte-aligned offsets (a cache line each).
 *
 * @example
 * ```ts
 * import { wasmHeap } from '#internal/kernels/wasmHeap.js';
 * const heap = wasmHeap(1024, () => {});
 * const a = heap.allocate(100), b = heap.allocate(10);
 * heap.release(a);
 * console.log(a, b, heap.allocate(64)); // 1024 1152 1024
 * ```
 */
export function wasmHeap(start: number, grow: (end: number) => void): WasmHeap {
  const live = new Map<number, number>(); // offset → bytes
  const free: { at: number; size: number }[] = []; // sorted by offset, never two adjacent
  let top = (start + 63) & ~63;
  let used = 0;
  return {
    get used() {
      return used;
    },
    allocate(bytes) {
      const size = Math.max(64, (bytes + 63) & ~63);
      let at = -1;
      const i = free.findIndex((f) => f.size >= size);
      if (i >= 0) {
        at = free[i].at;
        if (free[i].size === size) free.splice(i, 1);
        else free[i] = { at: at + size, size: free[i].size - size };
      } else {
        at = top; // (no free block ends at the top: release lowers it)
        grow(at + size); // may throw: nothing has changed yet
        top = at + size;
      }
      live.set(at, size);
      used += size;
      return at;
    },
    release(offset) {
      const size = live.get(offset);
      if (size === undefined) throw new Error(`wasm heap: no live block at ${offset}`);
      live.delete(offset);
      used -= size;
      let i = free.findIndex((f) => f.at > offset);
      if (i < 0) i = free.length;
      free.splice(i, 0, { at: offset, size });
      const next = free[i + 1];
      if (next && offset + size === next.at) free.splice(i, 2, { at: offset, size: size + next.size });
      const prev = free[i - 1];
      if (prev && prev.at + prev.size === offset) free.splice(i - 1, 2, { at: prev.at, size: prev.size + free[i].size });
      const last = free[free.length - 1];
      if (last && last.at + last.size === top) top = free.pop()!.at;
    },
  };
}
