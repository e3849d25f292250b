package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * {@link Kernels} as plain loops on the calling thread over the arrays' memory ({@link HostMemory}), for the
 * CPU backend.
 *
 * <p>Why not ND4J's ops: right after a GEMM, OpenBLAS's threads keep spinning for a while, and an ND4J op then
 * opens an OpenMP region whose threads compete with them for the same cores. On a 2-core machine ND4J's fused
 * Adam op over the 400k elements of a 784x512 layer took 7.8 ms after a GEMM, a scaling 7.7 ms; the same work in
 * one Java thread takes well under a millisecond, and small tensors also save the op's dispatch. The loops change
 * no setting and start no thread. Where an array's memory cannot be addressed (see {@link HostMemory#of}) the
 * call goes to {@link Nd4jKernels}.
 *
 * <p>Each element-wise kernel has a float and a double loop of the same shape: Java generics would box every
 * element, and only loops over primitive arrays are vectorized. The float loops compute in float, as a float32
 * step of the reference does.
 */
final class HostKernels implements Kernels {
    private final Nd4jKernels fallback = new Nd4jKernels();
    /** Direct OpenBLAS calls, or null where its bindings are absent (then ND4J's GEMM). */
    private final OpenBlasProducts blas = OpenBlasProducts.load();
    /** Java arrays the element-wise loops run over, a chunk at a time: loops over arrays are vectorized. */
    private final Chunks chunks = new Chunks();
    /** Side of the square tiles {@link #mirrorLower} works in. */
    private static final int MIRROR_TILE = 16;
    /** {@link HostMemory#copyRuns} starts for a copy of a whole array as one run. */
    private static final int[] ONE_RUN = {0};

    @Override
    public void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha,
                     double beta) {
        if (blas == null || !blas.gemm(a, b, c, transposeA, transposeB, alpha, beta)) {
            fallback.gemm(a, b, c, transposeA, transposeB, alpha, beta);
        }
    }

    @Override
    public void symmetricRankUpdate(INDArray x, boolean transpose, INDArray c, double alpha, double beta) {
        if (blas == null || !blas.syrkLower(x, transpose, c, alpha, beta)) {
            fallback.symmetricRankUpdate(x, transpose, c, alpha, beta);
        }
    }

    @Override
    public void mirrorLower(INDArray c) {
        HostMemory h = HostMemory.of(c);
        if (h == null) {
            fallback.mirrorLower(c);
            return;
        }
        // In tiles: the writes go along rows, and elements of a row whose columns are a power of two long share
        // cache sets (a 512x512 float32 factor took 0.71 ms untiled, 0.22 ms in tiles of 16; 784x784 0.39-0.49).
        int d = (int) c.rows();
        for (int jb = 0; jb < d; jb += MIRROR_TILE) {
            int jEnd = Math.min(d, jb + MIRROR_TILE);
            for (int ib = jb; ib < d; ib += MIRROR_TILE) {
                int iEnd = Math.min(d, ib + MIRROR_TILE);
                for (int j = jb; j < jEnd; j++) {
                    for (int i = Math.max(ib, j + 1); i < iEnd; i++) {
                        h.set(j + d * i, h.get(i + d * j));
                    }
                }
            }
        }
    }

    @Override
    public void adam(TensorView gp, TensorView m, TensorView v, double b1, double b2, double eps, double c, long t) {
        HostMemory g = gp.host();
        HostMemory hm = m.host();
        HostMemory hv = v.host();
        if (g == null || hm == null || hv == null) {
            fallback.adam(gp, m, v, b1, b2, eps, c, t);
            return;
        }
        int n = g.length;
        if (g.floats != null) {
            // float32 arithmetic throughout, as the reference computes a float32 step.
            float fb1 = (float) b1;
            float fa1 = (float) (1 - b1);
            float fb2 = (float) b2;
            float fa2 = (float) (1 - b2);
            float fc = (float) c;
            float feps = (float) eps;
            float[] x = chunks.floats(0);
            float[] mc = chunks.floats(1);
            float[] vc = chunks.floats(2);
            for (int start = 0; start < n; start += Chunks.LENGTH) {
                int len = Math.min(Chunks.LENGTH, n - start);
                g.floats.get(g.base + start, x, 0, len);
                hm.floats.get(hm.base + start, mc, 0, len);
                hv.floats.get(hv.base + start, vc, 0, len);
                for (int i = 0; i < len; i++) {
                    float xi = x[i];
                    float mi = fb1 * mc[i] + fa1 * xi;
                    float vi = fb2 * vc[i] + fa2 * (xi * xi);
                    mc[i] = mi;
                    vc[i] = vi;
                    x[i] = fc * mi / ((float) Math.sqrt(vi) + feps);
                }
                g.floats.put(g.base + start, x, 0, len);
                hm.floats.put(hm.base + start, mc, 0, len);
                hv.floats.put(hv.base + start, vc, 0, len);
            }
        } else {
            double a1 = 1 - b1;
            double a2 = 1 - b2;
            double[] x = chunks.doubles(0);
            double[] mc = chunks.doubles(1);
            double[] vc = chunks.doubles(2);
            for (int start = 0; start < n; start += Chunks.LENGTH) {
                int len = Math.min(Chunks.LENGTH, n - start);
                g.doubles.get(g.base + start, x, 0, len);
                hm.doubles.get(hm.base + start, mc, 0, len);
                hv.doubles.get(hv.base + start, vc, 0, len);
                for (int i = 0; i < len; i++) {
                    double xi = x[i];
                    double mi = b1 * mc[i] + a1 * xi;
                    double vi = b2 * vc[i] + a2 * (xi * xi);
                    mc[i] = mi;
                    vc[i] = vi;
                    x[i] = c * mi / (Math.sqrt(vi) + eps);
                }
                g.doubles.put(g.base + start, x, 0, len);
                hm.doubles.put(hm.base + start, mc, 0, len);
                hv.doubles.put(hv.base + start, vc, 0, len);
            }
        }
    }

    @Override
    public void scale(TensorView x, double s) {
        HostMemory h = x.host();
        if (h == null) {
            fallback.scale(x, s);
            return;
        }
        int n = h.length;
        if (h.floats != null) {
            float fs = (float) s;
            float[] a = chunks.floats(0);
            for (int start = 0; start < n; start += Chunks.LENGTH) {
                int len = Math.min(Chunks.LENGTH, n - start);
                h.floats.get(h.base + start, a, 0, len);
                for (int i = 0; i < len; i++) {
                    a[i] *= fs;
                }
                h.floats.put(h.base + start, a, 0, len);
            }
        } else {
            double[] a = chunks.doubles(0);
            for (int start = 0; start < n; start += Chunks.LENGTH) {
                int len = Math.min(Chunks.LENGTH, n - start);
                h.doubles.get(h.base + start, a, 0, len);
                for (int i = 0; i < len; i++) {
                    a[i] *= s;
                }
                h.doubles.put(h.base + start, a, 0, len);
            }
        }
    }

    @Override
    public double sumOfSquares(TensorView x) {
        HostMemory h = x.host();
        if (h == null) {
            return fallback.sumOfSquares(x);
        }
        return h.sumOfSquares();
    }

    @Override
    public double sumOfSquares(INDArray a) {
        HostMemory h = HostMemory.of(a);
        if (h == null) {
            return fallback.sumOfSquares(a);
        }
        return h.sumOfSquares();
    }

    @Override
    public void zero(TensorView x) {
        HostMemory h = x.host();
        if (h == null) {
            fallback.zero(x);
            return;
        }
        for (int i = 0; i < h.length; i++) {
            h.set(i, 0);
        }
    }

    @Override
    public void identity(INDArray q) {
        HostMemory h = HostMemory.of(q);
        if (h == null) {
            fallback.identity(q);
            return;
        }
        int d = (int) q.rows();
        for (int i = 0; i < h.length; i++) {
            h.set(i, i % (d + 1) == 0 ? 1 : 0);
        }
    }

    @Override
    public void copy(INDArray src, INDArray dst) {
        HostMemory s = HostMemory.of(src);
        HostMemory d = HostMemory.of(dst);
        if (s == null || d == null || src.dataType() != dst.dataType()) {
            fallback.copy(src, dst);
            return;
        }
        s.copyRuns(d, s.length, ONE_RUN);
    }

    @Override
    public void permuteColumns(INDArray src, INDArray dst, int[] idx) {
        HostMemory s = HostMemory.of(src);
        HostMemory d = HostMemory.of(dst);
        if (s == null || d == null) {
            fallback.permuteColumns(src, dst, idx);
            return;
        }
        s.copyRuns(d, (int) src.rows(), idx);
    }

    @Override
    public void permuteRows(INDArray src, INDArray dst, int[] idx) {
        HostMemory s = HostMemory.of(src);
        HostMemory d = HostMemory.of(dst);
        if (s == null || d == null) {
            fallback.permuteRows(src, dst, idx);
            return;
        }
        int rows = (int) src.rows();
        for (int column = 0; column < s.length; column += rows) {
            for (int i = 0; i < rows; i++) {
                d.set(column + i, s.get(column + idx[i]));
            }
        }
    }

    @Override
    public void swapLeadingDimensions(INDArray src, INDArray dst, long a, long b, long c) {
        HostMemory s = HostMemory.of(src);
        HostMemory d = HostMemory.of(dst);
        if (s == null || d == null) {
            fallback.swapLeadingDimensions(src, dst, a, b, c);
            return;
        }
        int ia = (int) a;
        int ib = (int) b;
        int slice = ia * ib;
        for (int l = 0; l < c; l++) {
            int offset = l * slice;
            for (int i = 0; i < ia; i++) {
                for (int j = 0; j < ib; j++) {
                    d.set(offset + j + ib * i, s.get(offset + i + ia * j));
                }
            }
        }
    }

    @Override
    public void columnDots(INDArray q, INDArray p, double[] out) {
        HostMemory hq = HostMemory.of(q);
        HostMemory hp = HostMemory.of(p);
        if (hq == null || hp == null) {
            fallback.columnDots(q, p, out);
            return;
        }
        // Element by element: the JIT makes this as fast as copying the columns out in bulk first (784x784
        // float32: 0.52 against 0.61 ms).
        int rows = (int) q.rows();
        for (int j = 0; j < out.length; j++) {
            double sum = 0;
            for (int i = j * rows, end = i + rows; i < end; i++) {
                sum += hq.get(i) * hp.get(i);
            }
            out[j] = sum;
        }
    }

    @Override
    public double absoluteSum(TensorView x) {
        HostMemory h = x.host();
        return h == null ? fallback.absoluteSum(x) : absoluteSum(h);
    }

    @Override
    public double absoluteSum(INDArray a) {
        HostMemory h = HostMemory.of(a);
        return h == null ? fallback.absoluteSum(a) : absoluteSum(h);
    }

    @Override
    public boolean sameMemory(INDArray view, INDArray array, long from) {
        if (fallback.sameMemory(view, array, from)) {
            return true;
        }
        // One address is one memory on the CPU backend, whichever data buffer object wraps it.
        long address = HostMemory.address(view, 0);
        return address != 0 && view.dataType() == array.dataType() && address == HostMemory.address(array, from);
    }

    private double absoluteSum(HostMemory h) {
        int n = h.length;
        double sum = 0;
        for (int start = 0; start < n; start += Chunks.LENGTH) {
            int len = Math.min(Chunks.LENGTH, n - start);
            // A NaN or infinite element makes the sum NaN or infinite; float32 magnitudes summed in float64 cannot
            // overflow. Four partial sums keep the additions independent of each other, so the loop vectorizes.
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int i = 0;
            if (h.floats != null) {
                float[] a = chunks.floats(0);
                h.floats.get(h.base + start, a, 0, len);
                for (; i + 3 < len; i += 4) {
                    s0 += Math.abs(a[i]);
                    s1 += Math.abs(a[i + 1]);
                    s2 += Math.abs(a[i + 2]);
                    s3 += Math.abs(a[i + 3]);
                }
                for (; i < len; i++) {
                    s0 += Math.abs(a[i]);
                }
            } else {
                double[] a = chunks.doubles(0);
                h.doubles.get(h.base + start, a, 0, len);
                for (; i + 3 < len; i += 4) {
                    s0 += Math.abs(a[i]);
                    s1 += Math.abs(a[i + 1]);
                    s2 += Math.abs(a[i + 2]);
                    s3 += Math.abs(a[i + 3]);
                }
                for (; i < len; i++) {
                    s0 += Math.abs(a[i]);
                }
            }
            sum += s0 + s1 + s2 + s3;
            if (!Double.isFinite(sum)) {
                return sum;
            }
        }
        return sum;
    }
}
