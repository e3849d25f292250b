package io.github.soapdl4j;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host loops compute what the ND4J ops compute, on views at nonzero offsets of larger arrays, as the updater
 * uses them (its slots are views of Deeplearning4j's state array, its gradients views of the flat gradient).
 */
class KernelsTest {
    private static final HostKernels HOST = new HostKernels();
    private static final Nd4jKernels ND4J = new Nd4jKernels();
    /** A 3 x 4 x 5 tensor: every operation below is exercised with more than one index of every kind. */
    private static final PreconditionedShape SHAPE = PreconditionedShape.of(
            new ParamLayout("W", new long[] {3, 4, 5}, 'f'), 10000, false, false);

    enum Type {
        FLOAT(DataType.FLOAT, 1e-6), DOUBLE(DataType.DOUBLE, 1e-14);

        final DataType type;
        final double tolerance;

        Type(DataType type, double tolerance) {
            this.type = type;
            this.tolerance = tolerance;
        }
    }

    /** @return a view of {@code length} random values, 7 elements into a larger random array */
    private static INDArray view(DataType type, long length, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray backing = Nd4j.rand(type, length + 11);
        return Views.fOrder(backing, 7, length);
    }

    private static TensorView tensor(DataType type, long seed) {
        return new TensorView(view(type, SHAPE.length(), seed), SHAPE);
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        double scale = Math.max(1, expected.amaxNumber().doubleValue());
        assertTrue(expected.distance1(actual) <= tolerance * scale * expected.length(),
                what + ": host loops differ from ND4J ops by " + expected.distance1(actual));
    }

    /**
     * Deeplearning4j hands the updater a new gradient array over the same memory on every call, with a new data
     * buffer object: the host kernels recognize it by address (so the views made once are reused), ND4J's only by
     * the buffer object (another backend may keep a device copy per object).
     */
    @ParameterizedTest
    @EnumSource(Type.class)
    void sameMemoryIsRecognizedThroughAnotherBufferObject(Type t) {
        INDArray backing = Nd4j.rand(t.type, 40);
        INDArray made = Views.fOrder(backing, 7, 20);
        DataBuffer alias = Nd4j.createBuffer(backing.data().pointer(), t.type, 40, backing.data().indexer());
        INDArray again = Nd4j.create(alias, new long[] {40}, new long[] {1}, 0, 'c');
        assertNotSame(made.data(), again.data());
        assertTrue(HOST.sameMemory(made, again, 7));
        assertFalse(HOST.sameMemory(made, again, 8));
        assertFalse(ND4J.sameMemory(made, again, 7));
        assertTrue(ND4J.sameMemory(made, backing, 7));
        assertTrue(HOST.sameMemory(made, backing, 7));
        assertFalse(HOST.sameMemory(made, Nd4j.rand(t.type, 40), 7));
        // What reading through the old view sees is what the new array holds.
        again.putScalar(9, 42);
        assertEquals(42, made.getDouble(2), 0);
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void hostMemoryAddressesViews(Type t) {
        INDArray v = view(t.type, 20, 1);
        HostMemory h = HostMemory.of(v);
        assertNotNull(h);
        for (int i = 0; i < 20; i++) {
            assertEquals(v.getDouble(i), h.get(i), 0.0);
        }
        h.set(19, 42.0);
        assertEquals(42.0, v.getDouble(19), 0.0);
        assertEquals(null, HostMemory.of(Nd4j.rand(DataType.HALF, 4)), "half precision is not addressed");
    }

    /** Longer than two of the host loops' chunks ({@link Chunks#LENGTH}), with a remainder. */
    private static final PreconditionedShape LONG = PreconditionedShape.of(
            new ParamLayout("W", new long[] {90, 100}, 'f'), 10000, false, false);

    @ParameterizedTest
    @EnumSource(Type.class)
    void adamScaleAndNormsMatch(Type t) {
        for (PreconditionedShape shape : List.of(SHAPE, LONG)) {
            TensorView[] host = new TensorView[3];
            TensorView[] ops = new TensorView[3];
            for (int i = 0; i < 3; i++) {
                host[i] = new TensorView(view(t.type, shape.length(), i + 1), shape);
                ops[i] = new TensorView(view(t.type, shape.length(), i + 1), shape);
            }
            for (long step = 1; step <= 3; step++) {
                double c = Math.sqrt(1 - Math.pow(0.99, step)) / (1 - Math.pow(0.9, step));
                HOST.adam(host[0], host[1], host[2], 0.9, 0.99, 1e-8, c, step);
                ND4J.adam(ops[0], ops[1], ops[2], 0.9, 0.99, 1e-8, c, step);
                for (int i = 0; i < 3; i++) {
                    assertClose(ops[i].flat(), host[i].flat(), t.tolerance,
                            "adam, array " + i + ", step " + step + ", " + shape.length() + " elements");
                }
            }
            HOST.scale(host[0], -0.25);
            ND4J.scale(ops[0], -0.25);
            assertClose(ops[0].flat(), host[0].flat(), t.tolerance, "scale");
            assertEquals(ND4J.sumOfSquares(ops[0]), HOST.sumOfSquares(host[0]), t.tolerance * shape.length());
            HOST.zero(host[0]);
            assertEquals(0.0, host[0].flat().amaxNumber().doubleValue(), 0.0);
        }
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void copiesAndPermutationsMatch(Type t) {
        int[] idx = {2, 0, 3, 1};
        INDArray src = Views.fOrder(view(t.type, 12, 4), 0, 3, 4);
        for (boolean columns : List.of(true, false)) {
            int[] order = columns ? idx : new int[] {1, 2, 0};
            INDArray host = Views.fOrder(view(t.type, 12, 5), 0, 3, 4);
            INDArray ops = host.dup('f');
            if (columns) {
                HOST.permuteColumns(src, host, order);
                ND4J.permuteColumns(src, ops, order);
            } else {
                HOST.permuteRows(src, host, order);
                ND4J.permuteRows(src, ops, order);
            }
            assertEquals(ops, host, columns ? "columns" : "rows");
        }
        INDArray dst = view(t.type, 60, 6);
        INDArray expected = view(t.type, 60, 6);
        INDArray from = view(t.type, 60, 7);
        HOST.swapLeadingDimensions(from, dst, 3, 4, 5);
        ND4J.swapLeadingDimensions(from, expected, 3, 4, 5);
        assertEquals(expected, dst, "swap of the leading dimensions");
        assertEquals(from.getDouble(1 + 3 * 2 + 12 * 4), dst.getDouble(2 + 4 * 1 + 12 * 4), 0.0, "[1,2,4] -> [2,1,4]");
        HOST.copy(from, dst);
        assertEquals(from, dst, "copy");

        INDArray q = Views.fOrder(view(t.type, 16, 8), 0, 4, 4);
        INDArray p = Views.fOrder(view(t.type, 16, 9), 0, 4, 4);
        double[] byOps = new double[4];
        double[] byHost = new double[4];
        ND4J.columnDots(q, p, byOps);
        HOST.columnDots(q, p, byHost);
        assertArrayEquals(byOps, byHost, t.tolerance * 4);
    }

    /**
     * The refresh's row permutations and eigenvalue estimates on square and tall matrices (up to columns longer
     * than a host chunk): permutations are exact, and each column dot is the float64 sum in row order.
     */
    @ParameterizedTest
    @EnumSource(Type.class)
    void columnWorkIsExact(Type t) {
        int[][] sizes = {{3, 3}, {37, 37}, {64, 64}, {100, 100}, {Chunks.LENGTH + 5, 3}};
        for (int[] size : sizes) {
            int rows = size[0];
            int columns = size[1];
            long n = (long) rows * columns;
            String what = rows + "x" + columns;
            INDArray src = Views.fOrder(view(t.type, n + 2, rows), 2, rows, columns);
            INDArray other = Views.fOrder(view(t.type, n + 1, rows + 1), 1, rows, columns);
            int[] order = new int[rows];
            for (int i = 0; i < rows; i++) {
                order[i] = (int) ((i * 7L + 3) % rows);
            }
            INDArray host = Views.fOrder(view(t.type, n, 5), 0, rows, columns);
            INDArray ops = host.dup('f');
            HOST.permuteRows(src, host, order);
            ND4J.permuteRows(src, ops, order);
            assertEquals(ops, host, "rows of " + what);

            double[] dots = new double[columns];
            HOST.columnDots(src, other, dots);
            for (int j = 0; j < columns; j += Math.max(1, columns / 7)) {
                double sum = 0;
                for (int i = 0; i < rows; i++) {
                    sum += src.getDouble(i, j) * other.getDouble(i, j);
                }
                assertEquals(sum, dots[j], 0.0, "column " + j + " of " + what);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void gemmsMatchOnViews(Type t) {
        // Operands at nonzero offsets of larger arrays, every combination of transposes, beta 0 and not.
        INDArray a = Views.fOrder(view(t.type, 12, 11), 0, 3, 4);
        INDArray b = Views.fOrder(view(t.type, 20, 12), 0, 4, 5);
        INDArray at = Views.fOrder(view(t.type, 12, 13), 0, 4, 3);
        INDArray bt = Views.fOrder(view(t.type, 20, 14), 0, 5, 4);
        for (boolean ta : List.of(false, true)) {
            for (boolean tb : List.of(false, true)) {
                for (double beta : new double[] {0, 0.5}) {
                    INDArray host = Views.fOrder(view(t.type, 15, 15), 0, 3, 5);
                    INDArray ops = Views.fOrder(view(t.type, 15, 15), 0, 3, 5);
                    HOST.gemm(ta ? at : a, tb ? bt : b, host, ta, tb, 0.75, beta);
                    ND4J.gemm(ta ? at : a, tb ? bt : b, ops, ta, tb, 0.75, beta);
                    assertClose(ops, host, t.tolerance, "gemm " + ta + " " + tb + " beta " + beta);
                    INDArray expected = (ta ? at.transpose() : a).mmul(tb ? bt.transpose() : b).muli(0.75)
                            .addi(Views.fOrder(view(t.type, 15, 15), 0, 3, 5).muli(beta));
                    assertClose(expected, host, t.tolerance, "gemm against mmul " + ta + " " + tb + " beta " + beta);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void symmetricRankUpdatesMatchTheLowerTriangle(Type t) {
        for (boolean transpose : List.of(false, true)) {
            INDArray x = Views.fOrder(view(t.type, 12, 17), 0, transpose ? 4 : 3, transpose ? 3 : 4);
            INDArray host = Views.fOrder(view(t.type, 9, 18), 0, 3, 3);
            INDArray ops = Views.fOrder(view(t.type, 9, 18), 0, 3, 3);
            HOST.symmetricRankUpdate(x, transpose, host, 0.5, 0.9);
            ND4J.symmetricRankUpdate(x, transpose, ops, 0.5, 0.9);
            // Only the lower triangles are defined: compare them, completed.
            HOST.mirrorLower(host);
            ND4J.mirrorLower(ops);
            assertClose(ops, host, t.tolerance, "syrk, transpose " + transpose);
            INDArray mirrored = Views.fOrder(view(t.type, 9, 19), 0, 3, 3);
            INDArray expected = mirrored.dup('f');
            ND4J.mirrorLower(expected);
            HOST.mirrorLower(mirrored);
            assertEquals(expected, mirrored, "mirror");
            assertEquals(expected, expected.transpose(), "symmetric");
        }
    }

    /** 37 columns: the host loop's tiles of 16 end short at the edge and along the diagonal. */
    @ParameterizedTest
    @EnumSource(Type.class)
    void mirroringCoversEveryTile(Type t) {
        int d = 37;
        INDArray host = Views.fOrder(view(t.type, d * d + 3, 20), 3, d, d);
        INDArray expected = host.dup('f');
        ND4J.mirrorLower(expected);
        HOST.mirrorLower(host);
        assertEquals(expected, host);
        assertEquals(host, host.transpose().dup('f'));
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void finitenessIsChecked(Type t) {
        INDArray a = view(t.type, 10, 10);
        assertTrue(HOST.allFinite(a));
        a.putScalar(9, Double.NaN);
        assertFalse(HOST.allFinite(a));
        a.putScalar(9, Double.NEGATIVE_INFINITY);
        assertFalse(HOST.allFinite(a));
        assertFalse(ND4J.allFinite(a));
        TensorView g = tensor(t.type, 16);
        assertTrue(Double.isFinite(HOST.absoluteSum(g)));
        g.flat().putScalar(SHAPE.length() - 1, Double.POSITIVE_INFINITY);
        assertFalse(Double.isFinite(HOST.absoluteSum(g)));
        assertFalse(Double.isFinite(ND4J.absoluteSum(g)));
        g.flat().putScalar(SHAPE.length() - 1, Double.NaN);
        assertTrue(Double.isNaN(HOST.absoluteSum(g)));
        assertTrue(Double.isNaN(ND4J.absoluteSum(g)));
        // Longer than two of the host loops' chunks: every position class (first, a chunk's last, the next
        // chunk's first, the remainder past the unrolled part, the last), each value that is not finite.
        int n = 2 * Chunks.LENGTH + 3;
        INDArray long1 = view(t.type, n, 11);
        assertTrue(HOST.allFinite(long1));
        for (int i : new int[] {0, Chunks.LENGTH - 1, Chunks.LENGTH, 2 * Chunks.LENGTH + 1, n - 1}) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                double kept = long1.getDouble(i);
                long1.putScalar(i, bad);
                assertFalse(HOST.allFinite(long1), bad + " at " + i);
                long1.putScalar(i, kept);
            }
        }
        assertTrue(HOST.allFinite(long1));
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void absoluteSumIsZeroExactlyForZeros(Type t) {
        int n = 2 * Chunks.LENGTH + 3;
        INDArray a = view(t.type, n, 13);
        double relative = t.type == DataType.FLOAT ? 1e-5 : 1e-12;
        double expected = a.norm1Number().doubleValue();
        assertEquals(expected, HOST.absoluteSum(a), expected * relative);
        assertEquals(expected, ND4J.absoluteSum(a), expected * relative);
        TensorView g = tensor(t.type, 16);
        double tensorSum = g.flat().norm1Number().doubleValue();
        assertEquals(tensorSum, HOST.absoluteSum(g), tensorSum * relative);
        assertEquals(tensorSum, ND4J.absoluteSum(g), tensorSum * relative);
        a.assign(0);
        a.putScalar(n - 1, -0.0);
        assertEquals(0.0, HOST.absoluteSum(a));
        a.putScalar(Chunks.LENGTH, t.type == DataType.FLOAT ? Float.MIN_NORMAL : Double.MIN_NORMAL);
        assertTrue(HOST.absoluteSum(a) > 0, "the smallest normal number is not zero");
        a.putScalar(Chunks.LENGTH, 0);
        a.putScalar(1, t.type == DataType.FLOAT ? Float.MIN_VALUE : Double.MIN_VALUE);
        assertTrue(HOST.absoluteSum(a) > 0, "nor a subnormal one");
    }
}
