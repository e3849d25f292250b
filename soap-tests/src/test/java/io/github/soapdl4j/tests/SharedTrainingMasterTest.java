package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.impl.StaticPortSupplier;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SOAP under Spark's gradient sharing ({@code local[2]}, {@link SharedTrainingMaster} with two workers): each
 * worker applies its own SOAP to its own gradient, and the resulting updates are threshold-encoded and shared.
 * Compared with plain {@code net.fit} on one worker over the same minibatches for the same number of epochs, and
 * with Adam under the same two set-ups.
 *
 * <p>All epochs go into one {@code fit} call (the training data repeated once per epoch): Deeplearning4j 1.0.0-M2
 * restarts every worker's optimizer at each {@code fit} call, and hands the driver no updater state back (see
 * docs/spark-gradient-sharing.md).
 *
 * <p>Measured on this set-up (held-out loss after 10 epochs from 1.379; single worker SOAP 0.6514, Adam 0.6601;
 * 4 runs, which differ only in thread timing): under the master SOAP 0.6714-0.6787 (ratio to the single worker
 * 1.031-1.042), Adam 0.6756-0.6762 (1.024). Each worker's SOAP step counter ends at 319-320 of its 320 minibatches.
 *
 * <p>Tagged {@code gradient-sharing}, which the default build excludes: Deeplearning4j 1.0.0-M2's
 * SharedTrainingWrapper can deadlock while it starts its workers, and a hung fit would fail the whole build. Run it
 * with {@code mvn -B verify -pl soap-tests -am -Dsoap.excludedGroups= -Dtest=SharedTrainingMasterTest}.
 */
@Tag("gradient-sharing")
class SharedTrainingMasterTest {
    private static final int BATCH = 32;
    private static final int TRAIN_BATCHES = 64;
    private static final int EPOCHS = 10;
    private static final int WORKERS = 2;
    private static final long SEED = 1;
    /**
     * Deeplearning4j's Aeron transport sets Aeron's client liveness timeout to 30 s, and the Aeron media driver
     * refuses to start unless the publication unblock timeout (15 s by default) exceeds it.
     */
    private static final String AERON_UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";

    private static LocalSpark spark;
    private static JavaSparkContext sc;
    private static String previousUnblockTimeout;

    @BeforeAll
    static void startSpark() {
        previousUnblockTimeout = System.getProperty(AERON_UNBLOCK_TIMEOUT);
        System.setProperty(AERON_UNBLOCK_TIMEOUT, String.valueOf(TimeUnit.SECONDS.toNanos(60)));
        spark = LocalSpark.start(WORKERS, "soap-shared-training-test");
        sc = spark.context();
    }

    @AfterAll
    static void stopSpark() {
        try {
            if (ModelParameterServer.getInstance().isInitialized()) {
                ModelParameterServer.getInstance().shutdown();
            }
        } finally {
            if (spark != null) {
                spark.close();
            }
            if (previousUnblockTimeout == null) {
                System.clearProperty(AERON_UNBLOCK_TIMEOUT);
            } else {
                System.setProperty(AERON_UNBLOCK_TIMEOUT, previousUnblockTimeout);
            }
        }
    }

    /**
     * Deeplearning4j's ParallelWrapper can deadlock while it sets up its workers (one worker holds the root model's
     * lock while waiting for the others at the update exchange, another needs that lock to copy the root model):
     * fail instead of hanging the build.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void soapTrainsOnEachWorkerWithItsOwnState() {
        List<DataSet> train = NoisyClassification.minibatches(TRAIN_BATCHES, BATCH, SEED);
        DataSet test = DataSet.merge(NoisyClassification.minibatches(64, BATCH, 999));
        double initialLoss = NoisyClassification.mlp(soap(), SEED).score(test);

        double singleSoap = single(soap(), train).score(test);
        double singleAdam = single(new Adam(3e-3), train).score(test);

        WorkerSteps.clear();
        MultiLayerNetwork sharedSoapNet = shared(soap(), train);
        Map<String, Long> soapSteps = WorkerSteps.snapshot();
        double sharedSoap = sharedSoapNet.score(test);
        double sharedAdam = shared(new Adam(3e-3), train).score(test);

        System.out.printf("Held-out loss from %.4f after %d epochs: SOAP single %.4f, shared %.4f (ratio %.3f); "
                        + "Adam single %.4f, shared %.4f (ratio %.3f)%n", initialLoss, EPOCHS, singleSoap, sharedSoap,
                sharedSoap / singleSoap, singleAdam, sharedAdam, sharedAdam / singleAdam);
        System.out.println("SOAP steps per worker (its last step counter): " + soapSteps);
        List<ParameterStats> driverStats = SoapStats.of(sharedSoapNet);
        System.out.println("SOAP steps in the updater state the driver got back: "
                + driverStats.stream().mapToLong(ParameterStats::getSteps).max().orElse(-1));

        assertTrue(sharedSoap < 0.75 * initialLoss, "SOAP barely trained under the master: " + initialLoss + " -> "
                + sharedSoap);
        assertTrue(TestNets.allFinite(sharedSoapNet.params()), "parameters");
        // Each of the two workers ran SOAP (which refuses to step unless the configuration arrived bound) with its
        // own state, kept across all epochs of the call: its step counter reaches its share of the minibatches
        // (the first call only builds the bases).
        assertEquals(WORKERS, soapSteps.size(), "workers that ran SOAP: " + soapSteps);
        long share = (long) EPOCHS * TRAIN_BATCHES / WORKERS;
        for (Map.Entry<String, Long> worker : soapSteps.entrySet()) {
            assertTrue(worker.getValue() >= share * 3 / 4, "worker " + worker.getKey() + " made only "
                    + worker.getValue() + " SOAP steps of about " + share);
        }
        // Measured 1.031-1.042.
        assertTrue(sharedSoap <= 1.10 * singleSoap, "SOAP under the master " + sharedSoap
                + " not within 10% of the single worker's " + singleSoap);
    }

    private static Soap soap() {
        return Soap.builder().learningRate(3e-3).preconditionFrequency(5).build();
    }

    private static MultiLayerNetwork single(IUpdater updater, List<DataSet> train) {
        MultiLayerNetwork net = NoisyClassification.mlp(updater, SEED);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            train.forEach(net::fit);
        }
        return net;
    }

    /** All epochs in one {@code fit} call; each worker's partition holds its half of the data once per epoch. */
    private static MultiLayerNetwork shared(IUpdater updater, List<DataSet> train) {
        SharedTrainingMaster master = new SharedTrainingMaster.Builder(voidConfiguration(), BATCH)
                .thresholdAlgorithm(new AdaptiveThresholdAlgorithm())
                .batchSizePerWorker(BATCH)
                .workersPerNode(WORKERS)
                .workerPrefetchNumBatches(0)
                // The minibatches as they are, in the two partitions given: the default repartitioner would
                // split them into one-minibatch partitions, each a separate training round.
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartitionData(Repartition.Never)
                .repartitioner(new NoOpRepartitioner())
                .rngSeed(SEED)
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, NoisyClassification.mlp(updater, SEED), master);
        sparkNet.setListeners(new WorkerSteps());
        int half = train.size() / WORKERS;
        List<DataSet> epochs = new ArrayList<>();
        for (int worker = 0; worker < WORKERS; worker++) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                epochs.addAll(train.subList(worker * half, (worker + 1) * half));
            }
        }
        // parallelize slices the list into contiguous partitions: partition w is worker w's half, EPOCHS times.
        JavaRDD<DataSet> rdd = sc.parallelize(epochs, WORKERS);
        return sparkNet.fit(rdd);
    }

    /** UDP port for the parameter server's transport: one the system reports free on the loopback address. */
    private static VoidConfiguration voidConfiguration() {
        int port;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(LocalSpark.LOOPBACK))) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return VoidConfiguration.builder()
                .unicastPort(port)
                .portSupplier(new StaticPortSupplier(port))
                .controllerAddress(LocalSpark.LOOPBACK)
                .networkMask("127.0.0.0/8")
                .build();
    }

    /**
     * Records, per worker thread, the SOAP step counter of the model it trains. Spark serializes the listener into
     * the task, but under {@code local[N]} the task runs in this JVM, so the static map is the test's.
     */
    static final class WorkerSteps extends BaseTrainingListener implements Serializable {
        private static final Map<String, Long> STEPS = new ConcurrentHashMap<>();

        static void clear() {
            STEPS.clear();
        }

        static Map<String, Long> snapshot() {
            return Map.copyOf(STEPS);
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (!(model instanceof MultiLayerNetwork)) {
                return;
            }
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            Layer first = net.getLayerWiseConfigurations().getConf(0).getLayer();
            if (first instanceof BaseLayer && ((BaseLayer) first).getIUpdater() instanceof Soap) {
                STEPS.merge(Thread.currentThread().getName(), SoapStats.of(net).get(0).getSteps(), Math::max);
            }
        }
    }
}
