package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the QR decompositions of one refresh side by side, each on one BLAS thread, when a parameter refreshes
 * several bases at once (the reference's schedule refreshes every basis on the same step).
 *
 * <p>LAPACK's {@code geqrf}/{@code orgqr} gain little or lose from a second BLAS thread (see
 * {@link Decompositions#SINGLE_THREAD_QR_MAX_DIM}), so a single decomposition leaves cores idle; two of them on two
 * cores took 15-34 ms where one after the other took 23-58 ms (512 x 512, float32, two cores). The results are
 * the same bit for bit: each decomposition runs the same single-threaded LAPACK code either way.
 *
 * <p>The number of decompositions run at once is the system property {@code soap.refreshThreads} (default: the
 * available processors; 1 runs them one after the other on the caller's thread).
 */
final class ConcurrentQr {
    private static final int THREADS = Math.max(1, Integer.getInteger("soap.refreshThreads",
            Runtime.getRuntime().availableProcessors()));
    private static ExecutorService pool;

    private ConcurrentQr() {
    }

    /**
     * Computes the orthonormal factor of {@code inputs[i]} into {@code decompositions[i].result()}, for every
     * {@code i < count}; the decompositions must be distinct instances.
     *
     * @param ok receives, per decomposition, whether it succeeded (see
     *           {@link Decompositions#orthonormalFactor(INDArray)})
     */
    static void orthonormalFactors(Decompositions[] decompositions, INDArray[] inputs, int count, boolean[] ok) {
        if (count == 1 || THREADS == 1) {
            for (int i = 0; i < count; i++) {
                ok[i] = decompositions[i].orthonormalFactor(inputs[i]);
            }
            return;
        }
        // Every decomposition on one BLAS thread, also those above SINGLE_THREAD_QR_MAX_DIM: the cores are
        // shared out between decompositions instead of within one.
        try (ThreadLimit blasThreads = ThreadLimit.BLAS.enter()) {
            AtomicInteger next = new AtomicInteger();
            CountDownLatch finished = new CountDownLatch(count);
            Runnable worker = () -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    try {
                        ok[i] = decompositions[i].orthonormalFactor(inputs[i]);
                    } finally {
                        finished.countDown();
                    }
                }
            };
            for (int h = Math.min(THREADS, count) - 1; h > 0; h--) {
                pool().execute(worker);
            }
            // The caller works too, so progress never depends on the pool (other updaters may be using it): a
            // helper that starts after the caller took the last decomposition finds nothing left to do.
            worker.run();
            awaitUninterruptibly(finished);
        }
    }

    /** The decompositions write into the updater's state, so they must all finish before the step returns. */
    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(THREADS - 1, r -> {
                Thread t = new Thread(r, "soap-qr-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }
}
