package io.github.soapdl4j;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Kernels} as ND4J ops, for backends whose memory the JVM cannot address directly (CUDA). Each call is
 * one or two op launches; on a CPU backend {@link HostKernels} is faster (see there).
 */
final class Nd4jKernels implements Kernels {

    @Override
    public void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double alpha,
                     double beta) {
        Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
    }

    @Override
    public void symmetricRankUpdate(INDArray x, boolean transpose, INDArray c, double alpha, double beta) {
        // The whole matrix: its lower triangle is what is asked for.
        Nd4j.gemm(x, x, c, transpose, !transpose, alpha, beta);
    }

    @Override
    public void mirrorLower(INDArray c) {
        // Through host memory: ND4J's triangle ops and sub-views of these views misbehave in 1.0.0-M2.1.
        double[][] m = c.toDoubleMatrix();
        for (int j = 1; j < m.length; j++) {
            for (int i = 0; i < j; i++) {
                m[i][j] = m[j][i];
            }
        }
        c.assign(Nd4j.createFromArray(m).castTo(c.dataType()));
    }

    @Override
    public void adam(TensorView gp, TensorView m, TensorView v, double b1, double b2, double eps, double c, long t) {
        // ND4J's fused updater: M and V in place, Gp replaced by c(t) M / (sqrt(V) + eps) with the op's own
        // c(t) for iteration t - 1, which is the c the caller passes.
        Nd4j.exec(new AdamUpdater(gp.flat(), v.flat(), m.flat(), 1.0, b1, b2, eps,
                (int) Math.min(t - 1, Integer.MAX_VALUE - 1)));
    }

    @Override
    public void scale(TensorView x, double s) {
        x.flat().muli(s);
    }

    @Override
    public double sumOfSquares(TensorView x) {
        double norm = x.flat().norm2Number().doubleValue();
        return norm * norm;
    }

    @Override
    public double sumOfSquares(INDArray a) {
        double norm = a.norm2Number().doubleValue();
        return norm * norm;
    }

    @Override
    public void zero(TensorView x) {
        x.flat().assign(0);
    }

    @Override
    public void identity(INDArray q) {
        q.assign(Nd4j.eye(q.rows()).castTo(q.dataType()));
    }

    @Override
    public void copy(INDArray src, INDArray dst) {
        dst.assign(src);
    }

    @Override
    public void permuteColumns(INDArray src, INDArray dst, int[] idx) {
        // With 'f' order the tensors along dimension 0 are the columns.
        Nd4j.pullRows(src, dst, 0, idx);
    }

    @Override
    public void permuteRows(INDArray src, INDArray dst, int[] idx) {
        Nd4j.pullRows(src, dst, 1, idx);
    }

    @Override
    public void swapLeadingDimensions(INDArray src, INDArray dst, long a, long b, long c) {
        Views.fOrder(dst, 0, b, a, c).assign(Views.fOrder(src, 0, a, b, c).permute(1, 0, 2));
    }

    @Override
    public void columnDots(INDArray q, INDArray p, double[] out) {
        // One reduction over both matrices, instead of an element-wise product and a column sum.
        INDArray dots = Nd4j.createUninitialized(q.dataType(), q.columns());
        Nd4j.exec(new Dot(q, p, dots, 0));
        double[] values = dots.toDoubleVector();
        System.arraycopy(values, 0, out, 0, values.length);
    }

    @Override
    public double absoluteSum(TensorView x) {
        // BLAS asum, unlike ND4J's own reductions, runs on the threads that the GEMMs before it leave spinning
        // instead of competing with them. It is NaN or infinite exactly when an entry is (float32 gradients
        // cannot overflow it).
        return Nd4j.getBlasWrapper().asum(x.flat());
    }

    @Override
    public double absoluteSum(INDArray a) {
        return a.norm1Number().doubleValue();
    }

    @Override
    public boolean sameMemory(INDArray view, INDArray array, long from) {
        // Another backend may keep a second copy of the memory (a device buffer) per data buffer object: only
        // views of the same root buffer object are the same memory there. An array's offset counts from its root.
        return root(array.data()) == root(view.data()) && array.offset() + from == view.offset();
    }

    /** @return the buffer that {@code b} is a view of, or {@code b} itself */
    private static DataBuffer root(DataBuffer b) {
        while (b.originalDataBuffer() != null && b.originalDataBuffer() != b) {
            b = b.originalDataBuffer();
        }
        return b;
    }
}
