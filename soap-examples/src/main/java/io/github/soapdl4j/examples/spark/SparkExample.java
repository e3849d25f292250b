package io.github.soapdl4j.examples.spark;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import io.github.soapdl4j.examples.mnist.MnistData;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * SOAP (and Adam, as a control) trained on Fashion-MNIST with Spark's parameter averaging, each compared with a
 * single-worker run over the same minibatches for the same number of epochs.
 *
 * <p>The Spark set-up is the one SOAP needs: a {@link ParameterAveragingTrainingMaster} with
 * {@code saveUpdater(true)}, so that the updater state (factors, moments, eigenbases) travels and is averaged
 * with the parameters; the network is bound with {@link Soap#bind} before it is handed to
 * {@link SparkDl4jMultiLayer}, whose workers rebuild it from the bound configuration. Averaged eigenbases are not
 * orthonormal; SOAP detects that on each worker's first step after an averaging and rebuilds them, which
 * {@link SoapStats} reports as repaired bases.
 *
 * <p>The data are read on the driver and parallelized, which suits {@code local[N]}; on a cluster one would
 * export minibatches to shared storage and train with {@code fitPaths}.
 */
@Command(name = "spark-example", mixinStandardHelpOptions = true,
        description = "Train an MLP on Fashion-MNIST with SOAP and Adam under Spark parameter averaging, "
                + "and compare each with a single-worker run of the same budget.")
public final class SparkExample implements Callable<Integer> {

    @Option(names = "--master", description = "Spark master URL (default: ${DEFAULT-VALUE})")
    String master = "local[2]";

    @Option(names = "--data-dir", description = "directory with the four uncompressed Fashion-MNIST IDX files "
            + "(default: unpacked from /usr/share/datasets/fashion-mnist)")
    File dataDir;

    @Option(names = "--optimizers", split = ",", description = "which of soap,adam to run (default: soap,adam)")
    List<String> optimizers = List.of("soap", "adam");

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--batch", description = "minibatch size, per worker and for the single-worker run "
            + "(default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--averaging-frequency", description = "minibatches each worker fits between two "
            + "averagings (default: ${DEFAULT-VALUE})")
    int averagingFrequency = 10;

    @Option(names = "--lr", description = "learning rate of both optimizers (default: ${DEFAULT-VALUE})")
    double lr = 3e-3;

    @Option(names = "--hidden", description = "width of the MLP's hidden layer (default: ${DEFAULT-VALUE})")
    int hidden = 128;

    @Option(names = "--train-limit", description = "training examples used, rounded down to whole averaging "
            + "periods of all workers (default: ${DEFAULT-VALUE})")
    int trainLimit = 6_400;

    @Option(names = "--test-limit", description = "held-out examples used (default: ${DEFAULT-VALUE})")
    int testLimit = 2_000;

    @Option(names = "--seed", description = "seed for initialization, shuffling and splits (default: "
            + "${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--out", description = "output directory for the comparison CSV (default: ${DEFAULT-VALUE})")
    File out = new File("soap-examples/results/spark");

    /** One trained network's result. */
    record Result(String optimizer, String mode, double loss, double accuracy, double seconds) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        MnistData data = MnistData.locate(MnistData.Dataset.FASHION, dataDir);
        List<DataSet> train = new ArrayList<>();
        DataSetIterator it = data.iterator(true, batch, trainLimit, seed);
        while (it.hasNext()) {
            train.add(it.next());
        }
        DataSet test = DataSet.merge(collect(data.iterator(false, 1000, testLimit, seed)));

        SparkConf conf = new SparkConf().setMaster(master).setAppName("soap-spark-example");
        if (master.startsWith("local")) {
            // Local runs need no UI and no resolvable host name.
            conf.set("spark.ui.enabled", "false").set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.driver.host", "127.0.0.1");
        }
        List<Result> results = new ArrayList<>();
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            int workers = sc.defaultParallelism();
            // Each split of an epoch holds workers x averagingFrequency minibatches only when the data divide
            // evenly: otherwise the training master makes fewer, larger splits and every worker silently stops
            // after averagingFrequency minibatches of its share, skipping the rest of the epoch. Whole periods
            // keep the Spark run on exactly the minibatches the single-worker run sees.
            int period = workers * averagingFrequency;
            int usable = train.size() / period * period;
            if (usable == 0) {
                throw new IllegalArgumentException(train.size() + " minibatches are fewer than one averaging period "
                        + "(" + workers + " workers x " + averagingFrequency + ")");
            }
            if (usable < train.size()) {
                System.out.printf(Locale.ROOT, "Using %d of %d minibatches: whole averaging periods of %d%n", usable,
                        train.size(), period);
                train = new ArrayList<>(train.subList(0, usable));
            }
            System.out.printf(Locale.ROOT, "Fashion-MNIST from %s: %d minibatches of %d, %d held-out examples; "
                    + "%d epochs; Spark %s (%d workers), averaging every %d minibatches%n", data.directory(),
                    train.size(), batch, test.numExamples(), epochs, master, workers, averagingFrequency);
            // Not cached here: the training master persists it at the storage level it is built with.
            JavaRDD<DataSet> rdd = sc.parallelize(train, workers);
            for (String optimizer : optimizers) {
                results.add(single(optimizer, train, test));
                results.add(spark(optimizer, sc, rdd, test));
            }
        } finally {
            sc.stop();
        }
        print(results);
        write(results);
        return 0;
    }

    /** Plain {@code net.fit} over the same minibatches: the budget the Spark run is compared with. */
    private Result single(String optimizer, List<DataSet> train, DataSet test) {
        long start = System.nanoTime();
        MultiLayerNetwork net = network(optimizer);
        for (int epoch = 0; epoch < epochs; epoch++) {
            train.forEach(net::fit);
        }
        return result(optimizer, "single", net, test, start);
    }

    private Result spark(String optimizer, JavaSparkContext sc, JavaRDD<DataSet> rdd, DataSet test) {
        long start = System.nanoTime();
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(batch)
                .batchSizePerWorker(batch)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                // The updater state must travel with the parameters: without it every worker would start each
                // averaging period with empty factors and the identity basis.
                .saveUpdater(true)
                // The minibatches as they are; the default (Export) first writes them to a temporary directory.
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(seed)
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, network(optimizer), tm);
        for (int epoch = 0; epoch < epochs; epoch++) {
            sparkNet.fit(rdd);
        }
        MultiLayerNetwork net = sparkNet.getNetwork();
        Result r = result(optimizer, "spark", net, test, start);
        if (optimizer.equalsIgnoreCase("soap")) {
            long repaired = SoapStats.of(net).stream().mapToLong(ParameterStats::getRepairedBases).sum();
            System.out.printf(Locale.ROOT, "SOAP under Spark: %d averaged bases rebuilt (per worker, summed over "
                    + "parameters); state after the last averaging:%n", repaired);
            SoapStats.of(net).forEach(p -> System.out.println("  " + p));
        }
        return r;
    }

    private MultiLayerNetwork network(String optimizer) {
        IUpdater updater = optimizer.equalsIgnoreCase("soap") ? new Soap(lr) : new Adam(lr);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build());
        net.init();
        // Before Spark sees the network: the workers rebuild it from this (bound) configuration.
        return Soap.bind(net);
    }

    private static Result result(String optimizer, String mode, MultiLayerNetwork net, DataSet test, long start) {
        double loss = net.score(test);
        Evaluation eval = new Evaluation();
        eval.eval(test.getLabels(), net.output(test.getFeatures()));
        Result r = new Result(optimizer.toLowerCase(Locale.ROOT), mode, loss, eval.accuracy(),
                (System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "%-5s %-6s held-out loss %.4f accuracy %.4f (%.1f s)%n", r.optimizer(),
                r.mode(), r.loss(), r.accuracy(), r.seconds());
        return r;
    }

    private static void print(List<Result> results) {
        System.out.println();
        System.out.println("optimizer  single loss  spark loss  spark/single  single acc  spark acc");
        for (int i = 0; i + 1 < results.size(); i += 2) {
            Result single = results.get(i);
            Result spark = results.get(i + 1);
            System.out.printf(Locale.ROOT, "%-9s  %11.4f  %10.4f  %12.3f  %10.4f  %9.4f%n", single.optimizer(),
                    single.loss(), spark.loss(), spark.loss() / single.loss(), single.accuracy(), spark.accuracy());
        }
    }

    private void write(List<Result> results) throws IOException {
        Files.createDirectories(out.toPath());
        File csv = new File(out, "spark-comparison.csv");
        try (PrintWriter w = new PrintWriter(csv, StandardCharsets.UTF_8)) {
            w.println("optimizer,mode,master,epochs,batch,averaging_frequency,lr,loss,accuracy,seconds");
            for (Result r : results) {
                w.printf(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%s,%.6f,%.6f,%.2f%n", r.optimizer(), r.mode(),
                        r.mode().equals("spark") ? master : "", epochs, batch, averagingFrequency, lr, r.loss(),
                        r.accuracy(), r.seconds());
            }
        }
        System.out.println("Wrote " + csv);
    }

    private static List<DataSet> collect(DataSetIterator it) {
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }
}
