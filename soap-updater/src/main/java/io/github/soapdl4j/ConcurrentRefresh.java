package io.github.soapdl4j;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Opt-in: runs the QR decompositions of one basis refresh side by side instead of one after the other. Hand it to
 * the configuration with {@link Soap.Builder#concurrentRefresh(ConcurrentRefresh)}:
 *
 * <pre>{@code
 * Soap soap = Soap.builder().concurrentRefresh(ConcurrentRefresh.threads(2)).build();
 * }</pre>
 *
 * <p><b>Default (no such object):</b> every decomposition runs on the thread that calls the updater, one after the
 * other; SOAP starts no thread and changes no setting.
 *
 * <p><b>What this changes:</b> when a parameter refreshes several bases on one step (the reference refreshes all of
 * them on the same step), their QR decompositions are shared out between the calling thread and up to
 * {@code threads - 1} helper threads, and the call returns when all of them are done. Only the decompositions move;
 * the products around them stay on the calling thread. The results are bit for bit those of one after the other:
 * each decomposition runs the same LAPACK call on its own buffers either way. An exception or error thrown by a
 * decomposition on a helper is rethrown on the calling thread once the others have finished.
 *
 * <p><b>What it does not change:</b> no ND4J, OpenBLAS or OpenMP setting. Each decomposition uses the BLAS threads
 * that the process is configured with, so side by side decompositions share the cores with BLAS's own threads.
 * Earlier versions of this library also lowered OpenBLAS to one thread for the whole process while they ran; with
 * that setting, two 512 x 512 float32 decompositions took 15-34 ms side by side against 23-58 ms one after the
 * other on a two-core machine. Lowering OpenBLAS to one thread yourself (through ND4J's BLAS wrapper)
 * reproduces that setting, but it is process-wide: it changes the speed, and through LAPACK's thread-dependent
 * rounding the results, of every other computation in the process. Whether this option pays off without it depends
 * on the machine; measure before keeping it.
 *
 * <p>This object is not part of the configuration's identity: {@code equals}, {@code hashCode} and the JSON and
 * Java serialization of {@link Soap} ignore it, so a network restored from a checkpoint refreshes one decomposition
 * after the other until given one again. Layers whose configurations differ only here share one updater block,
 * which uses one of their objects. One instance may serve any number of networks and threads.
 */
public final class ConcurrentRefresh {
    private static final AtomicInteger POOL_THREADS = new AtomicInteger();
    /** How long an idle helper of an own pool waits for work before it ends. */
    private static final long IDLE_SECONDS = 60;

    private final int threads;
    /** The caller's executor, or null for a pool of this object's own, created on first use. */
    private final Executor executor;
    private ThreadPoolExecutor pool;

    private ConcurrentRefresh(int threads, Executor executor) {
        if (threads < 2) {
            throw new IllegalArgumentException("ConcurrentRefresh needs threads >= 2 (the calling thread and at least "
                    + "one helper); got " + threads + ". Leave concurrentRefresh unset to run the decompositions one "
                    + "after the other.");
        }
        this.threads = threads;
        this.executor = executor;
    }

    /**
     * Up to {@code threads} decompositions at once: the calling thread and {@code threads - 1} helpers of a pool
     * owned by this object. The helpers are daemon threads named {@code soap-refresh-N}, started when a refresh
     * first needs them and ended after a minute without work.
     *
     * @param threads at least 2
     */
    public static ConcurrentRefresh threads(int threads) {
        return new ConcurrentRefresh(threads, null);
    }

    /**
     * Up to {@code threads} decompositions at once: the calling thread and {@code threads - 1} tasks submitted to
     * {@code executor}, which the caller owns (and shuts down). A task the executor rejects, or starts only after
     * the calling thread has done all the work, does nothing.
     *
     * @param threads at least 2
     */
    public static ConcurrentRefresh using(Executor executor, int threads) {
        if (executor == null) {
            throw new IllegalArgumentException("ConcurrentRefresh.using needs an executor; use "
                    + "ConcurrentRefresh.threads(n) for a pool of its own");
        }
        return new ConcurrentRefresh(threads, executor);
    }

    /** @return how many decompositions run at once at most, the calling thread included */
    public int getThreads() {
        return threads;
    }

    /**
     * Runs {@code job} for every index below {@code count}, on the calling thread and the helpers, and returns when
     * all have finished. The caller takes jobs too, so progress never waits for a helper to start.
     *
     * @throws RuntimeException or Error: the first one a job threw (later ones are attached as suppressed)
     */
    void forEach(int count, IntConsumer job) {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                try {
                    job.accept(i);
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) {
                        failure.get().addSuppressed(t);
                    }
                } finally {
                    finished.countDown();
                }
            }
        };
        for (int h = Math.min(threads, count) - 1; h > 0; h--) {
            try {
                executor().execute(worker);
            } catch (RejectedExecutionException e) {
                break; // the calling thread does the rest
            }
        }
        worker.run();
        awaitUninterruptibly(finished);
        Throwable t = failure.get();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new IllegalStateException("A refresh decomposition failed on a helper thread", t);
        }
    }

    /** The jobs write into the updater's buffers, so all of them must finish before the step goes on. */
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

    private synchronized Executor executor() {
        if (executor != null) {
            return executor;
        }
        if (pool == null) {
            pool = new ThreadPoolExecutor(threads - 1, threads - 1, IDLE_SECONDS, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "soap-refresh-" + POOL_THREADS.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
        }
        return pool;
    }

    @Override
    public String toString() {
        return "ConcurrentRefresh(threads=" + threads + (executor != null ? ", executor=" + executor : "") + ")";
    }
}
