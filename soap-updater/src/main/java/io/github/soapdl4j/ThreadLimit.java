package io.github.soapdl4j;

import org.nd4j.linalg.factory.Nd4j;

import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * A process-wide thread count of ND4J lowered while SOAP works, and restored afterwards.
 *
 * <p>Two counts matter on a machine with few cores (measured on two):
 * <ul>
 *   <li>{@link #ND4J_OPS}, ND4J's own element-wise ops and reductions, for the whole updater call. After a
 *       GEMM, OpenBLAS keeps its threads spinning for a while; ND4J's next op starts its own threads on the same
 *       cores and both crawl (a 262,144-element multiply took 1.5 ms after a GEMM, 0.05 ms alone). With ND4J's
 *       ops on one thread a 512x512 step went from 23-25 ms to 12.6 ms. ND4J's knob is its master thread count
 *       ({@code Environment.setMaxThreads} does nothing in 1.0.0-M2.1).</li>
 *   <li>{@link #BLAS}, OpenBLAS's threads, for a lone QR decomposition up to
 *       {@link Decompositions#SINGLE_THREAD_QR_MAX_DIM} and for decompositions run side by side
 *       ({@link ConcurrentQr}): LAPACK's {@code geqrf}/{@code orgqr} work through many small BLAS calls, and two
 *       threads made one of them slower (512: 19 ms on one thread against 35 ms on two; 1024: 72 against 86 ms;
 *       at 2048 two threads won). The GEMMs keep all threads.</li>
 * </ul>
 * The counts are global, so each limit is reference-counted: set when the first concurrent user enters (other
 * threads' work meanwhile is limited too) and restored when the last one leaves. System properties set the
 * counts ({@code soap.elementwiseThreads}, {@code soap.qrThreads}; default 1; 0 leaves ND4J's setting alone).
 */
final class ThreadLimit implements AutoCloseable {
    static final ThreadLimit ND4J_OPS = new ThreadLimit("soap.elementwiseThreads",
            () -> Nd4j.getEnvironment().maxMasterThreads(), n -> Nd4j.getEnvironment().setMaxMasterThreads(n));
    static final ThreadLimit BLAS = new ThreadLimit("soap.qrThreads",
            () -> Nd4j.factory().blas().getMaxThreads(), n -> Nd4j.factory().blas().setMaxThreads(n));

    private final String property;
    private final IntSupplier get;
    private final IntConsumer set;
    private int depth;
    private int saved;
    private boolean limited;

    private ThreadLimit(String property, IntSupplier get, IntConsumer set) {
        this.property = property;
        this.get = get;
        this.set = set;
    }

    /** Enters the limited scope; close the result to leave it. */
    synchronized ThreadLimit enter() {
        if (depth++ == 0) {
            int threads = Integer.getInteger(property, 1);
            int current = get.getAsInt();
            limited = threads > 0 && threads < current;
            if (limited) {
                saved = current;
                set.accept(threads);
            }
        }
        return this;
    }

    @Override
    public synchronized void close() {
        if (--depth == 0 && limited) {
            set.accept(saved);
            limited = false;
        }
    }
}
