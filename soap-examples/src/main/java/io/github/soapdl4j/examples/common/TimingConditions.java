package io.github.soapdl4j.examples.common;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Puts every timed run of a JVM under the same process conditions, whichever optimizer it trains and whenever it
 * runs (docs/timing.md).
 *
 * <p>ND4J's native ops run on OpenMP (GNU libgomp). Its idle threads spin for a long while before they sleep,
 * on the cores OpenBLAS needs, and far less once the process has more OpenMP threads than CPUs; each live thread
 * that has once run an ND4J op holds OpenMP threads of its own. A fresh JVM with one training thread is on the
 * slow side of that line; the first helper thread that runs an ND4J op, and stays alive, moves it to the fast
 * side for good. Which side a run is timed on would otherwise depend on what ran before it in the JVM (an
 * optimizer with helper threads, a Spark executor). {@link #establish()} crosses the line once, before anything
 * is timed: one daemon thread runs a small ND4J op and then stays parked for the life of the JVM.
 *
 * <p>What remains, JIT compilation and the first-call set-up of each optimizer, is taken out by
 * {@link #warmUp}: a few untimed steps of every optimizer on a throwaway model before the first timed run. The
 * order of the optimizers alternates from seed to seed ({@link #order}), so that no optimizer always runs first.
 */
public final class TimingConditions {
    /** The name of the parked thread, as it appears in a thread dump. */
    public static final String THREAD_NAME = "timing-conditions-nd4j";

    private static Thread pinned;

    private TimingConditions() {
    }

    /**
     * Starts the parked thread, once per JVM, and returns after its ND4J op has run.
     *
     * @return one line for the job's log that says what was done
     */
    public static synchronized String establish() {
        if (pinned == null) {
            CountDownLatch ran = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                // An array creation, an element-wise op and a reduction on enough elements for ND4J to open
                // parallel regions, and a small product (BLAS): the kinds of op a training step runs.
                INDArray a = Nd4j.ones(DataType.FLOAT, 256, 256);
                a.addi(1).sumNumber();
                a.mmul(a);
                ran.countDown();
                while (true) {
                    LockSupport.park();
                }
            }, THREAD_NAME);
            t.setDaemon(true);
            t.start();
            try {
                ran.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + THREAD_NAME, e);
            }
            pinned = t;
        }
        return "Timing conditions (docs/timing.md): a parked thread that ran one ND4J op keeps OpenMP's threads "
                + "in the same state for every run; each optimizer is warmed up untimed first; the order of the "
                + "optimizers alternates from seed to seed.";
    }

    /** @return the parked thread, or null before {@link #establish()} */
    static synchronized Thread thread() {
        return pinned;
    }

    /**
     * @param items    what runs, in its configured order
     * @param runIndex the index of the seed (0, 1, 2, ...)
     * @return {@code items} rotated left by {@code runIndex}: with two optimizers, each runs first every other seed
     */
    public static <T> List<T> order(List<T> items, int runIndex) {
        List<T> rotated = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            rotated.add(items.get((i + runIndex) % items.size()));
        }
        return rotated;
    }

    /** Takes untimed training steps with one optimizer on a model that is thrown away afterwards. */
    @FunctionalInterface
    public interface WarmUp {
        /** Trains a throwaway model built for {@code optimizer} for {@code steps} steps. */
        void run(Optimizer optimizer, int steps) throws Exception;
    }

    /**
     * Runs {@code warmUp} for every optimizer in turn, {@code steps} steps each; the jobs use SOAP's precondition
     * frequency plus one, so that its first basis refresh, the costliest first call, is warmed up too.
     */
    public static void warmUp(List<Optimizer> optimizers, int steps, WarmUp warmUp) throws Exception {
        if (steps <= 0) {
            return;
        }
        long start = System.nanoTime();
        for (Optimizer o : optimizers) {
            warmUp.run(o, steps);
        }
        System.out.printf(java.util.Locale.ROOT, "Warm-up: %d untimed steps of each of %s on throwaway models "
                + "(%.1f s)%n", steps,
                optimizers.stream().map(Optimizer::label).toList(), (System.nanoTime() - start) / 1e9);
    }
}
