package io.github.soapdl4j;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Limits the threads of ND4J's own (element-wise and reduction) ops while SOAP updaters run.
 *
 * <p>The updater alternates BLAS GEMMs with element-wise ops. After a GEMM, OpenBLAS keeps its threads spinning
 * for a while; ND4J's next op then starts its own threads on the same cores and both crawl. On two cores a
 * 512x512 step took 23-25 ms that way and 12.6 ms with ND4J's ops on one thread (the element-wise ops are
 * O(n) against the GEMMs' O(n d), so they lose little by it). ND4J's knob is its "master thread" count
 * ({@code setMaxThreads} is a no-op in 1.0.0-M2.1). It is process-wide, so it is set when the first updater
 * call starts and restored when the last concurrent one ends; ops of other threads that run meanwhile are
 * limited too. The system property {@value #PROPERTY} sets the count (default 1; 0 leaves ND4J's setting
 * alone).
 */
final class ElementwiseThreads implements AutoCloseable {
    static final String PROPERTY = "soap.elementwiseThreads";
    private static final ElementwiseThreads SCOPE = new ElementwiseThreads();
    private static final Object LOCK = new Object();
    private static int depth;
    private static int saved;
    private static boolean limited;

    private ElementwiseThreads() {
    }

    /** Enters the limited scope; close the result to leave it. */
    static ElementwiseThreads limit() {
        synchronized (LOCK) {
            if (depth++ == 0) {
                int threads = Integer.getInteger(PROPERTY, 1);
                Environment env = Nd4j.getEnvironment();
                limited = threads > 0 && threads < env.maxMasterThreads();
                if (limited) {
                    saved = env.maxMasterThreads();
                    env.setMaxMasterThreads(threads);
                }
            }
        }
        return SCOPE;
    }

    @Override
    public void close() {
        synchronized (LOCK) {
            if (--depth == 0 && limited) {
                Nd4j.getEnvironment().setMaxMasterThreads(saved);
                limited = false;
            }
        }
    }
}
