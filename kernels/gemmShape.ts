import { BoltzflowError } from './BoltzflowError.js';
import type { Matrix } from './Matrix.js';

/** Checks C ← op(A)·op(B)'s shapes and separate storage; returns [m, k, n]. Shared by every backend. */
export function gemmShape(transA: boolean, transB: boolean, a: Matrix, b: Matrix, c: Matrix): [number, number, number] {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb || c.rows !== m || c.cols !== n)
    throw new BoltzflowError('gemm shapes', `op(A) ${m}×${k}, op(B) ${kb}×${n}, C ${c.rows}×${c.cols}`, 'op(A) M×K, op(B) K×N and C M×N');
  if (overlaps(c.data, a.data) || overlaps(c.data, b.data))
    throw new BoltzflowError('gemm output', 'a view overlapping an input', 'separate storage for C');
  return [m, k, n];
}

function overlaps(x: Float32Array, y: Float32Array): boolean {
  if (x.buffer !== y.buffer) return false;
  const x0 = x.byteOffset,
    x1 = x0 + x.byteLength,
    y0 = y.byteOffset,
    y1 = y0 + y.byteLength;
  return x0 < y1 && y0 < x1;
}
