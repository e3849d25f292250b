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
 */
final class HostKernels implements Kernels {
    private final Nd4jKernels fallback = new Nd4jKernels();
    /** Direct OpenBLAS calls, or null where its bindings are absent (then ND4J's GEMM). */
    private final OpenBlasProducts blas = OpenBlasProducts.load();

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
        int d = (int) c.rows();
        for (int j = 0; j < d; j++) {
            for (int i = j + 1; i < d; i++) {
                h.set(j + d * i, h.get(i + d * j));
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
            FloatBuffer gf = g.floats;
            FloatBuffer mf = hm.floats;
            FloatBuffer vf = hv.floats;
            int gb = g.base;
            int mb = hm.base;
            int vb = hv.base;
            float fb1 = (float) b1;
            float fa1 = (float) (1 - b1);
            float fb2 = (float) b2;
            float fa2 = (float) (1 - b2);
            for (int i = 0; i < n; i++) {
                float x = gf.get(gb + i);
                float mi = fb1 * mf.get(mb + i) + fa1 * x;
                float vi = fb2 * vf.get(vb + i) + fa2 * (x * x);
                mf.put(mb + i, mi);
                vf.put(vb + i, vi);
                gf.put(gb + i, (float) (c * mi / (Math.sqrt(vi) + eps)));
            }
        } else {
            DoubleBuffer gd = g.doubles;
            DoubleBuffer md = hm.doubles;
            DoubleBuffer vd = hv.doubles;
            int gb = g.base;
            int mb = hm.base;
            int vb = hv.base;
            for (int i = 0; i < n; i++) {
                double x = gd.get(gb + i);
                double mi = b1 * md.get(mb + i) + (1 - b1) * x;
                double vi = b2 * vd.get(vb + i) + (1 - b2) * (x * x);
                md.put(mb + i, mi);
                vd.put(vb + i, vi);
                gd.put(gb + i, c * mi / (Math.sqrt(vi) + eps));
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
        if (h.floats != null) {
            FloatBuffer f = h.floats;
            float fs = (float) s;
            for (int i = h.base, end = h.base + h.length; i < end; i++) {
                f.put(i, f.get(i) * fs);
            }
        } else {
            DoubleBuffer d = h.doubles;
            for (int i = h.base, end = h.base + h.length; i < end; i++) {
                d.put(i, d.get(i) * s);
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
    public void copy(INDArray src, INDArray dst) {
        HostMemory s = HostMemory.of(src);
        HostMemory d = HostMemory.of(dst);
        if (s == null || d == null || src.dataType() != dst.dataType()) {
            fallback.copy(src, dst);
            return;
        }
        for (int i = 0; i < s.length; i++) {
            d.set(i, s.get(i));
        }
    }

    @Override
    public void permuteColumns(INDArray src, INDArray dst, int[] idx) {
        HostMemory s = HostMemory.of(src);
        HostMemory d = HostMemory.of(dst);
        if (s == null || d == null) {
            fallback.permuteColumns(src, dst, idx);
            return;
        }
        int rows = (int) src.rows();
        for (int j = 0; j < idx.length; j++) {
            int from = idx[j] * rows;
            int to = j * rows;
            for (int i = 0; i < rows; i++) {
                d.set(to + i, s.get(from + i));
            }
        }
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
        int columns = (int) src.columns();
        for (int j = 0; j < columns; j++) {
            int column = j * rows;
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
    public double[] columnDots(INDArray q, INDArray p) {
        HostMemory hq = HostMemory.of(q);
        HostMemory hp = HostMemory.of(p);
        if (hq == null || hp == null) {
            return fallback.columnDots(q, p);
        }
        int rows = (int) q.rows();
        double[] out = new double[(int) q.columns()];
        for (int j = 0; j < out.length; j++) {
            double sum = 0;
            for (int i = j * rows, end = i + rows; i < end; i++) {
                sum += hq.get(i) * hp.get(i);
            }
            out[j] = sum;
        }
        return out;
    }

    @Override
    public boolean allFinite(TensorView x) {
        HostMemory h = x.host();
        return h == null ? fallback.allFinite(x) : allFinite(h);
    }

    @Override
    public boolean allFinite(INDArray a) {
        HostMemory h = HostMemory.of(a);
        return h == null ? fallback.allFinite(a) : allFinite(h);
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

    private static boolean allFinite(HostMemory h) {
        for (int i = 0; i < h.length; i++) {
            if (!Double.isFinite(h.get(i))) {
                return false;
            }
        }
        return true;
    }
}
