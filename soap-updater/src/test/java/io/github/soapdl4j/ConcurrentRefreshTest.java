package io.github.soapdl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The refresh's QR decompositions through {@link QrBatch}, as {@link BasisRefresh} runs them: in turn by default,
 * side by side with the opt-in {@link ConcurrentRefresh}, with the same results bit for bit; helpers that are
 * daemon threads, named, started only when used, whose failures surface on the calling thread; and an option that
 * is not part of the configuration's identity.
 */
class ConcurrentRefreshTest {

    /** Random square matrices of the given sizes (a size may repeat). */
    private static INDArray[] inputs(int... dims) {
        INDArray[] out = new INDArray[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = Nd4j.randn(DataType.DOUBLE, dims[i], dims[i]);
        }
        return out;
    }

    /** Fills a batch with fresh decompositions of {@code inputs}. */
    private static Decompositions[] batch(QrBatch batch, INDArray[] inputs) {
        Decompositions[] decs = new Decompositions[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            decs[i] = new Decompositions((int) inputs[i].rows(), DataType.DOUBLE);
            decs[i].qrInput().assign(inputs[i]);
            batch.add(decs[i]);
        }
        return decs;
    }

    @Test
    void sideBySideEqualsInTurnBitForBit() {
        int[] dims = {37, 5, 64, 23, 64, 1};
        ConcurrentRefresh threads = ConcurrentRefresh.threads(3);
        for (int round = 0; round < 6; round++) {
            QrBatch inTurn = new QrBatch(dims.length);
            QrBatch sideBySide = new QrBatch(dims.length);
            INDArray[] in = inputs(dims);
            Decompositions[] a = batch(inTurn, in);
            Decompositions[] b = batch(sideBySide, in);
            inTurn.run(null);
            sideBySide.run(threads);
            for (int i = 0; i < dims.length; i++) {
                assertTrue(inTurn.succeeded(i) && sideBySide.succeeded(i), "round " + round + " job " + i);
                assertArrayEquals(a[i].result().toDoubleMatrix(), b[i].result().toDoubleMatrix(),
                        "round " + round + " job " + i);
                INDArray q = b[i].result();
                assertTrue(q.transpose().mmul(q).equalsWithEps(Nd4j.eye(dims[i]).castTo(DataType.DOUBLE), 1e-10));
            }
        }
    }

    @Test
    void aFailedDecompositionIsReportedAndTheOthersSucceed() {
        QrBatch batch = new QrBatch(3);
        Decompositions[] decs = batch(batch, inputs(16, 16, 8));
        decs[0].qrInput().putScalar(3, 4, Double.NaN);
        batch.run(ConcurrentRefresh.threads(2));
        assertFalse(batch.succeeded(0));
        assertTrue(batch.succeeded(1) && batch.succeeded(2));
        batch.clear();
        // A cleared batch runs nothing: a poisoned result stays as it is.
        decs[1].result().assign(7);
        batch.run(ConcurrentRefresh.threads(2));
        assertEquals(7.0, decs[1].result().minNumber().doubleValue());
    }

    private static Set<Thread> soapThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("soap"))
                .collect(Collectors.toSet());
    }

    @Test
    void helpersAreNamedDaemonsStartedOnFirstUse() throws Exception {
        Set<Thread> before = soapThreads();
        ConcurrentRefresh threads = ConcurrentRefresh.threads(2);
        assertEquals(before, soapThreads(), "no thread before the first refresh");
        // Two jobs that wait for each other must run on two threads at once: the caller and a helper.
        CyclicBarrier both = new CyclicBarrier(2);
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        threads.forEach(2, i -> {
            ran.add(Thread.currentThread());
            await(both);
        });
        assertEquals(2, ran.size());
        ran.remove(Thread.currentThread());
        Thread helper = ran.iterator().next();
        assertTrue(helper.getName().matches("soap-refresh-\\d+"), helper.getName());
        assertTrue(helper.isDaemon());
    }

    @Test
    void theDefaultStartsNoThread() {
        Set<Thread> before = soapThreads();
        List<ParamLayout> layout = List.of(new ParamLayout("W", new long[] {4, 5, 6}, 'f'));
        Soap soap = Soap.builder().preconditionFrequency(1).build().withLayout(layout);
        SoapUpdater u = soap.instantiate(Nd4j.create(DataType.DOUBLE, soap.stateSize(120)), true);
        for (int i = 0; i < 3; i++) {
            u.applyUpdater(Nd4j.randn(DataType.DOUBLE, 120), i, 0);
        }
        assertEquals(before, soapThreads());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aHelpersErrorIsRethrownOnTheCaller() {
        CyclicBarrier both = new CyclicBarrier(2);
        OutOfMemoryError fake = new OutOfMemoryError("fake");
        Thread caller = Thread.currentThread();
        ConcurrentRefresh threads = ConcurrentRefresh.threads(2);
        assertSame(fake, assertThrows(OutOfMemoryError.class, () -> threads.forEach(2, i -> {
            await(both);
            if (Thread.currentThread() != caller) {
                throw fake;
            }
        })));
        // Through the decompositions: an error in LAPACK is not a failed decomposition.
        Lapack broken = (Lapack) Proxy.newProxyInstance(Lapack.class.getClassLoader(),
                new Class<?>[] {Lapack.class}, (proxy, method, args) -> {
                    throw new UnsatisfiedLinkError("fake");
                });
        QrBatch batch = new QrBatch(2);
        for (int i = 0; i < 2; i++) {
            Decompositions d = new Decompositions(8, DataType.DOUBLE, broken);
            d.qrInput().assign(Nd4j.randn(DataType.DOUBLE, 8, 8));
            batch.add(d);
        }
        assertThrows(UnsatisfiedLinkError.class, () -> batch.run(threads));
    }

    @Test
    void aCallersExecutorIsUsedAndARejectionCostsNothing() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            CyclicBarrier both = new CyclicBarrier(2);
            Set<Thread> ran = ConcurrentHashMap.newKeySet();
            ConcurrentRefresh.using(executor, 2).forEach(2, i -> {
                ran.add(Thread.currentThread());
                await(both);
            });
            assertEquals(2, ran.size());
        } finally {
            executor.shutdown();
        }
        QrBatch inTurn = new QrBatch(3);
        QrBatch rejected = new QrBatch(3);
        INDArray[] in = inputs(9, 9, 4);
        Decompositions[] a = batch(inTurn, in);
        Decompositions[] b = batch(rejected, in);
        inTurn.run(null);
        rejected.run(ConcurrentRefresh.using(r -> {
            throw new RejectedExecutionException();
        }, 3));
        for (int i = 0; i < 3; i++) {
            assertTrue(inTurn.succeeded(i) && rejected.succeeded(i));
            assertArrayEquals(a[i].result().toDoubleMatrix(), b[i].result().toDoubleMatrix());
        }
    }

    @Test
    void fewerThanTwoThreadsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConcurrentRefresh.threads(1));
        assertTrue(e.getMessage().contains("threads >= 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConcurrentRefresh.using(null, 2));
    }

    /** A whole updater with the option steps exactly as one without it (all factors of [4, 5, 6] full rank). */
    @Test
    void anUpdaterWithTheOptionStepsExactlyAsOneWithout() {
        List<ParamLayout> layout = List.of(new ParamLayout("W", new long[] {4, 5, 6}, 'f'),
                new ParamLayout("V", new long[] {10, 10}, 'c'));
        Soap plain = Soap.builder().preconditionFrequency(2).build().withLayout(layout);
        Soap concurrent = Soap.builder().preconditionFrequency(2).concurrentRefresh(ConcurrentRefresh.threads(2))
                .build().withLayout(layout);
        long stateLength = plain.stateSize(120) + plain.stateSize(100);
        INDArray stateA = Nd4j.create(DataType.DOUBLE, stateLength);
        INDArray stateB = Nd4j.create(DataType.DOUBLE, stateLength);
        SoapUpdater a = plain.instantiate(stateA, true);
        SoapUpdater b = concurrent.instantiate(stateB, true);
        for (int i = 0; i < 12; i++) {
            INDArray g = Nd4j.randn(DataType.DOUBLE, 220);
            INDArray h = g.dup();
            a.applyUpdater(g, i, 0);
            b.applyUpdater(h, i, 0);
            assertArrayEquals(g.toDoubleVector(), h.toDoubleVector(), 0.0, "update " + i);
        }
        assertArrayEquals(stateA.toDoubleVector(), stateB.toDoubleVector(), 0.0);
    }

    @Test
    void theOptionIsNotPartOfTheConfiguration() throws Exception {
        ConcurrentRefresh threads = ConcurrentRefresh.threads(2);
        Soap with = Soap.builder().learningRate(1e-2).concurrentRefresh(threads).build();
        Soap without = Soap.builder().learningRate(1e-2).build();
        assertEquals(without, with);
        assertEquals(without.hashCode(), with.hashCode());
        assertEquals(without.toString(), with.toString());
        assertSame(threads, with.clone().getConcurrentRefresh());
        Soap bound = with.withLayout(List.of(new ParamLayout("W", new long[] {3, 4}, 'f')));
        assertSame(threads, bound.getConcurrentRefresh(), "bind keeps it");

        String json = NeuralNetConfiguration.mapper().writeValueAsString(bound);
        assertFalse(json.toLowerCase().contains("concurrent"), json);
        Soap fromJson = (Soap) NeuralNetConfiguration.mapper().readValue(json, IUpdater.class);
        assertNull(fromJson.getConcurrentRefresh());
        assertEquals(bound, fromJson);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(bound);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            Soap back = (Soap) in.readObject();
            assertNull(back.getConcurrentRefresh());
            assertEquals(bound, back);
        }
    }
}
