package io.github.soapdl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Proxy;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LAPACK through ND4J, called as a step calls it: the first basis by {@link Decompositions#eigenvectorsDescending}
 * (descending, canonical signs, the same on one and two BLAS threads), the refresh's QR through the decomposition's
 * own {@link Decompositions#qrInput()} and {@link Decompositions#result()}, and failures: LAPACK exceptions and
 * non-finite results are reported, errors propagate.
 */
class DecompositionsTest {

    /** A full-rank symmetric positive definite factor {@code G G^T} of a {@code d x 2d} Gaussian {@code G}. */
    private static INDArray spd(int d, DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.randn(DataType.DOUBLE, d, 2L * d);
        return a.mmul(a.transpose()).castTo(type).dup('f');
    }

    private static INDArray square(int d, DataType type) {
        return Nd4j.create(type, new long[] {d, d}, 'f');
    }

    @Test
    void eigenvectorsAreOrderedByDescendingEigenvalueWithCanonicalSigns() {
        int d = 6;
        INDArray gg = spd(d, DataType.DOUBLE, 3);
        INDArray q = square(d, DataType.DOUBLE);
        assertTrue(new Decompositions(d, DataType.DOUBLE).eigenvectorsDescending(gg, q));
        INDArray lambda = q.transpose().mmul(gg).mmul(q);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                if (i != j) {
                    assertEquals(0, lambda.getDouble(i, j), 1e-8);
                }
            }
            if (i > 0) {
                assertTrue(lambda.getDouble(i - 1, i - 1) >= lambda.getDouble(i, i));
            }
        }
        assertCanonical(q);
    }

    /** Each column's entry of largest magnitude (the first of near-ties) is positive. */
    private static void assertCanonical(INDArray q) {
        for (int j = 0; j < q.columns(); j++) {
            double[] column = q.getColumn(j).toDoubleVector();
            double largest = 0;
            for (double x : column) {
                largest = Math.max(largest, Math.abs(x));
            }
            for (double x : column) {
                if (Math.abs(x) >= largest * (1 - Decompositions.SIGN_TIE)) {
                    assertTrue(x > 0, "column " + j + " leads with " + x);
                    break;
                }
            }
        }
    }

    @Test
    void exactTiesGoToTheLowestIndex() {
        double s = Math.sqrt(0.5);
        INDArray q = Nd4j.create(new double[][] {{-s, s}, {s, s}}).castTo(DataType.DOUBLE).dup('f');
        Decompositions.canonicalSigns(q);
        assertArrayEquals(new double[] {s, -s}, q.getColumn(0).toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {s, s}, q.getColumn(1).toDoubleVector(), 0.0);
    }

    /**
     * LAPACK's syev itself differs between one and two OpenBLAS threads: in the last bits (measured max 6.3e-7 in
     * float32 and 3.8e-15 in float64 already at d = 8) and, for larger factors, by the sign of whole columns
     * (float32 at d = 64, float64 at d = 512). With canonical signs only the last-bit differences remain: measured
     * 1.6e-5 (float32, d = 64) and 4.5e-13 (float64, d = 512) at most; the bounds below leave 6x and 20x room. A
     * test may change the thread count, the library never does; it is restored afterwards.
     */
    @Test
    void firstBasisIsTheSameOnOneAndTwoBlasThreads() {
        assertSameOnOneAndTwoThreads(64, DataType.FLOAT, 1e-4);
        assertSameOnOneAndTwoThreads(512, DataType.DOUBLE, 1e-11);
    }

    private static void assertSameOnOneAndTwoThreads(int d, DataType type, double tolerance) {
        INDArray gg = spd(d, type, d);
        INDArray[] bases = new INDArray[2];
        INDArray[] raw = new INDArray[2];
        int before = Nd4j.factory().blas().getMaxThreads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Nd4j.factory().blas().setMaxThreads(threads);
                bases[threads - 1] = square(d, type);
                assertTrue(new Decompositions(d, type).eigenvectorsDescending(gg, bases[threads - 1]));
                raw[threads - 1] = gg.dup('f');
                Nd4j.getBlasWrapper().lapack().syev('V', 'U', raw[threads - 1], Nd4j.create(type, d));
            }
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
        double rawDifference = raw[0].sub(raw[1]).amaxNumber().doubleValue();
        assertTrue(rawDifference > 0.1, type + " d=" + d + ": this check needs LAPACK's own result to flip a column "
                + "between one and two threads; it differs by " + rawDifference + " only");
        double difference = bases[0].sub(bases[1]).amaxNumber().doubleValue();
        assertTrue(difference <= tolerance, type + " d=" + d + ": the first bases on one and two BLAS threads differ "
                + "by " + difference);
        assertCanonical(bases[0]);
    }

    @Test
    void qrFactorIsOrthonormalAndSpansTheInput() {
        int d = 5;
        INDArray a = spd(d, DataType.FLOAT, 3);
        Decompositions dec = new Decompositions(d, DataType.FLOAT);
        dec.qrInput().assign(a);
        assertTrue(dec.orthonormalFactor(dec.qrInput()));
        INDArray q = dec.result();
        assertTrue(q.transpose().mmul(q).equalsWithEps(Nd4j.eye(d).castTo(DataType.FLOAT), 1e-5));
        // Q Q^T a = a: a lies in Q's span.
        assertTrue(q.mmul(q.transpose()).mmul(a).equalsWithEps(a, 1e-3 * a.amaxNumber().doubleValue()));
    }

    /**
     * The default instance calls OpenBLAS's geqrf and orgqr itself with buffers it keeps ({@link OpenBlasQr}); the
     * one given ND4J's LAPACK binding goes through ND4J, which calls the same routines. Both sizes of LAPACK's
     * algorithm are covered: unblocked below 128 columns, blocked above; 256 is decomposed in a padded copy
     * (a column of 256 elements is 1 or 2 KiB long).
     */
    @Test
    void directQrGivesNd4jsResultBitForBit() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int d : new int[] {5, 150, 256}) {
                Nd4j.getRandom().setSeed(d);
                INDArray a = Nd4j.randn(DataType.DOUBLE, d, d).castTo(type).dup('f');
                Decompositions direct = new Decompositions(d, type);
                Decompositions viaNd4j = new Decompositions(d, type, Nd4j.getBlasWrapper().lapack());
                for (Decompositions dec : new Decompositions[] {direct, viaNd4j}) {
                    dec.qrInput().assign(a);
                    assertTrue(dec.orthonormalFactor(dec.qrInput()));
                }
                // Twice on the same buffers: the kept workspace gives the same answer again.
                direct.qrInput().assign(a);
                assertTrue(direct.orthonormalFactor(direct.qrInput()));
                assertArrayEquals(viaNd4j.result().dup('f').data().asDouble(), direct.result().dup('f').data().asDouble(),
                        type + " " + d);
                INDArray q = direct.result();
                assertTrue(q.transpose().mmul(q).equalsWithEps(Nd4j.eye(d).castTo(type),
                        type == DataType.FLOAT ? 1e-5 : 1e-12), type + " " + d);
            }
        }
    }

    /** Only columns whose length in bytes is a multiple of 1 KiB get a cache line more. */
    @Test
    void qrPadsOnlyColumnsThatAliasCacheSets() {
        assertEquals(512 + 16, OpenBlasQr.leadingDimension(512, Float.BYTES));
        assertEquals(128 + 8, OpenBlasQr.leadingDimension(128, Double.BYTES));
        assertEquals(1024 + 16, OpenBlasQr.leadingDimension(1024, Float.BYTES));
        assertEquals(128, OpenBlasQr.leadingDimension(128, Float.BYTES));
        assertEquals(784, OpenBlasQr.leadingDimension(784, Float.BYTES));
        assertEquals(64, OpenBlasQr.leadingDimension(64, Double.BYTES));
    }

    @Test
    void nonFiniteInputFailsWithoutTouchingTheBasis() {
        int d = 4;
        INDArray bad = spd(d, DataType.FLOAT, 3);
        bad.putScalar(1, 2, Float.NaN);
        INDArray q = Nd4j.eye(d).castTo(DataType.FLOAT).dup('f');
        Decompositions dec = new Decompositions(d, DataType.FLOAT);
        assertFalse(dec.eigenvectorsDescending(bad, q));
        dec.qrInput().assign(bad);
        assertFalse(dec.orthonormalFactor(dec.qrInput()));
        assertArrayEquals(Nd4j.eye(d).castTo(DataType.FLOAT).toFloatMatrix(), q.toFloatMatrix());
    }

    /** A LAPACK binding whose every call throws what {@code failure} makes. */
    private static Lapack failing(Supplier<Throwable> failure) {
        return (Lapack) Proxy.newProxyInstance(Lapack.class.getClassLoader(), new Class<?>[] {Lapack.class},
                (proxy, method, args) -> {
                    throw failure.get();
                });
    }

    @Test
    void lapackExceptionsAreReportedAsFailures() {
        int d = 4;
        INDArray gg = spd(d, DataType.FLOAT, 3);
        INDArray q = Nd4j.eye(d).castTo(DataType.FLOAT).dup('f');
        Decompositions dec = new Decompositions(d, DataType.FLOAT,
                failing(() -> new IllegalStateException("LAPACK error")));
        assertFalse(dec.eigenvectorsDescending(gg, q));
        dec.qrInput().assign(gg);
        assertFalse(dec.orthonormalFactor(dec.qrInput()));
        assertArrayEquals(Nd4j.eye(d).castTo(DataType.FLOAT).toFloatMatrix(), q.toFloatMatrix());
    }

    @Test
    void errorsPropagate() {
        int d = 4;
        INDArray gg = spd(d, DataType.FLOAT, 3);
        INDArray q = square(d, DataType.FLOAT);
        OutOfMemoryError oom = new OutOfMemoryError("fake");
        Decompositions outOfMemory = new Decompositions(d, DataType.FLOAT, failing(() -> oom));
        assertSame(oom, assertThrows(OutOfMemoryError.class, () -> outOfMemory.eigenvectorsDescending(gg, q)));
        outOfMemory.qrInput().assign(gg);
        assertSame(oom, assertThrows(OutOfMemoryError.class,
                () -> outOfMemory.orthonormalFactor(outOfMemory.qrInput())));
        Decompositions noLibrary = new Decompositions(d, DataType.DOUBLE,
                failing(() -> new UnsatisfiedLinkError("no jniopenblas")));
        assertThrows(UnsatisfiedLinkError.class, () -> noLibrary.eigenvectorsDescending(gg, q));
    }
}
