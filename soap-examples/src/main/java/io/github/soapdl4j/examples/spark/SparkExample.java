package io.github.soapdl4j.examples.spark;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import io.github.soapdl4j.examples.common.Classifier;
import io.github.soapdl4j.examples.common.JobOptions;
import io.github.soapdl4j.examples.common.Optimizer;
import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.TimingConditions;
import io.github.soapdl4j.examples.common.Trainer;
import io.github.soapdl4j.examples.mnist.MnistData;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * SOAP (and Adam, as a control) trained on Fashion-MNIST with Spark's parameter averaging, each compared with a
 * single-worker run over the same minibatches for the same number of epochs.
 *
 * <p>The Spark set-up is the one SOAP needs: a {@link ParameterAveragingTrainingMaster} with
 * {@code saveUpdater(true)}, so that the updater state (factors, moments, eigenbases) travels and is averaged
 * with the parameters; the network is bound with {@link Soap#bind} before it is handed to
 * {@link SparkDl4jMultiLayer}, whose workers rebuild it from the bound configuration. SOAP refreshes on the
 * averaged state ({@code refreshPhase}, docs/distributed.md), so the workers share their bases; only their first
 * ones, each from its own first gradient, differ, and SOAP rebuilds those once after the first averaging, which
 * {@link SoapStats} reports as repaired bases.
 *
 * <p>The Spark run's learning rate is the single worker's times the number of workers by default, for both
 * optimizers ({@code --spark-lr-factor}): averaging {@code W} workers that each fit minibatches of {@code B}
 * moves the parameters about as far as steps on {@code W x B} examples would, a larger batch than the one the
 * single-worker rate was tuned for (docs/distributed.md has the measurements behind the choice).
 *
 * <p>The data are read on the driver and parallelized, which suits {@code local[N]}; on a cluster one would
 * export minibatches to shared storage and train with {@code fitPaths}.
 */
@Command(name = "spark-example", mixinStandardHelpOptions = true,
        description = "Train an MLP on Fashion-MNIST with SOAP and Adam under Spark parameter averaging, "
                + "and compare each with a single-worker run of the same budget.")
public final class SparkExample implements Callable<Integer> {
    static final String JOB = "spark";
    static final String PREFIX = "spark";

    @Mixin
    JobOptions options = new JobOptions(JOB, 3e-3, 3e-3, List.of(1L, 2L, 3L, 4L, 5L));

    @Option(names = "--master", description = "Spark master URL (default: ${DEFAULT-VALUE})")
    String master = "local[2]";

    @Option(names = "--data-dir", description = "directory with the four uncompressed Fashion-MNIST IDX files "
            + "(default: unpacked from /usr/share/datasets/fashion-mnist)")
    File dataDir;

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--batch", description = "minibatch size, per worker and for the single-worker run "
            + "(default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--averaging-frequency", description = "minibatches each worker fits between two "
            + "averagings (default: ${DEFAULT-VALUE}, Deeplearning4j's)")
    int averagingFrequency = 5;

    @Option(names = "--spark-lr-factor", description = "the Spark run's learning rate over the single worker's, for "
            + "both optimizers (default: the number of workers)")
    Double sparkLrFactor;

    @Option(names = "--hidden", description = "width of the MLP's hidden layer (default: ${DEFAULT-VALUE})")
    int hidden = 128;

    @Option(names = "--train-limit", description = "training examples used, rounded down to whole averaging "
            + "periods of all workers (default: ${DEFAULT-VALUE})")
    int trainLimit = 6_400;

    @Option(names = "--test-limit", description = "held-out examples used (default: ${DEFAULT-VALUE})")
    int testLimit = 2_000;

    /** What the Spark run's learning rates are multiplied by; set once the number of workers is known. */
    private double lrFactor;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        System.out.println(TimingConditions.establish());
        options.check();
        if (sparkLrFactor != null && !(sparkLrFactor > 0 && sparkLrFactor < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--spark-lr-factor must be positive and finite; got " + sparkLrFactor);
        }
        MnistData data = MnistData.locate(MnistData.Dataset.FASHION, dataDir);
        ResultsWriter writer = new ResultsWriter(options.out);
        SparkConf conf = new SparkConf().setMaster(master).setAppName("soap-spark-example");
        if (master.startsWith("local")) {
            // Local runs need no UI and no resolvable host name.
            conf.set("spark.ui.enabled", "false").set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.driver.host", "127.0.0.1");
        }
        Map<Long, List<RunRecord>> bySeed = new LinkedHashMap<>();
        JavaSparkContext sc = new JavaSparkContext(conf);
        int workers = sc.defaultParallelism();
        lrFactor = sparkLrFactor != null ? sparkLrFactor : workers;
        try {
            for (int i = 0; i < options.seeds.size(); i++) {
                long seed = options.seeds.get(i);
                List<DataSet> train = minibatches(data, workers, seed);
                MultiDataSetIterator test = new MultiDataSetIteratorAdapter(data.iterator(false, 1000, testLimit,
                        seed));
                if (i == 0) {
                    TimingConditions.warmUp(options.optimizers, options.warmupSteps, (o, n) -> Trainer.fitSteps(
                            Classifier.of(network(o, seed, 1)), new MultiDataSetIteratorAdapter(
                                    new ExistingDataSetIterator(train)), n));
                }
                // Not cached here: the training master persists it at the storage level it is built with.
                JavaRDD<DataSet> rdd = sc.parallelize(train, workers);
                Map<Optimizer, List<RunRecord>> runs = new LinkedHashMap<>();
                for (Optimizer o : TimingConditions.order(options.optimizers, i)) {
                    runs.put(o, List.of(single(o, seed, train, test),
                            spark(o, seed, sc, rdd, train.size(), test)));
                }
                List<RunRecord> inOrder = new ArrayList<>();
                options.optimizers.forEach(o -> inOrder.addAll(runs.get(o)));
                for (RunRecord r : inOrder) {
                    writer.writeCsv(ResultsWriter.seedPrefix(PREFIX, seed), r);
                }
                bySeed.put(seed, inOrder);
            }
        } finally {
            sc.stop();
        }
        File png = writer.writePlot(PREFIX, PREFIX + " " + master, bySeed);
        List<String> table = table(bySeed);
        System.out.println();
        table.forEach(System.out::println);
        File csv = writer.writeLines(PREFIX + "-comparison.csv", csv(bySeed));
        System.out.println("Wrote " + csv + ", " + png + " and the CSV files beside them.");
        return 0;
    }

    /**
     * Reads the training minibatches of {@code seed}'s shuffle and keeps whole averaging periods. Each split of an
     * epoch holds workers x averagingFrequency minibatches only when the data divide evenly: otherwise the
     * training master makes fewer, larger splits and every worker silently stops after averagingFrequency
     * minibatches of its share, skipping the rest of the epoch. Whole periods keep the Spark run on exactly the
     * minibatches the single-worker run sees.
     */
    private List<DataSet> minibatches(MnistData data, int workers, long seed) throws Exception {
        List<DataSet> train = new ArrayList<>();
        DataSetIterator it = data.iterator(true, batch, trainLimit, seed);
        while (it.hasNext()) {
            train.add(it.next());
        }
        int period = workers * averagingFrequency;
        int usable = train.size() / period * period;
        if (usable == 0) {
            throw new IllegalArgumentException(train.size() + " minibatches are fewer than one averaging period "
                    + "(" + workers + " workers x " + averagingFrequency + "): raise --train-limit or lower "
                    + "--averaging-frequency");
        }
        System.out.printf(Locale.ROOT, "Seed %d: Fashion-MNIST from %s, %d of %d minibatches of %d (whole averaging "
                + "periods of %d), %d held-out examples; %d epochs; Spark %s (%d workers), averaging every %d "
                + "minibatches, learning rates x %.4f%n", seed, data.directory(), usable, train.size(), batch,
                period, testLimit, epochs, master, workers, averagingFrequency, lrFactor);
        return new ArrayList<>(train.subList(0, usable));
    }

    /** Plain {@code net.fit} over the same minibatches: the budget the Spark run is compared with. */
    private RunRecord single(Optimizer optimizer, long seed, List<DataSet> train, MultiDataSetIterator test) {
        // Evaluated at each epoch's end only, as the Spark run is.
        return new Trainer(Integer.MAX_VALUE, System.out).train(optimizer.label() + "-single",
                Classifier.of(network(optimizer, seed, 1)), new MultiDataSetIteratorAdapter(
                        new ExistingDataSetIterator(train)), test, epochs);
    }

    private RunRecord spark(Optimizer optimizer, long seed, JavaSparkContext sc, JavaRDD<DataSet> rdd,
                            int minibatches, MultiDataSetIterator test) throws Exception {
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
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, network(optimizer, seed, lrFactor), tm);
        RunRecord record = new Trainer(Integer.MAX_VALUE, System.out).trainByEpoch(optimizer.label() + "-spark",
                () -> {
                    sparkNet.fit(rdd);
                    return sparkNet.getScore();
                }, () -> Classifier.of(sparkNet.getNetwork()), test, epochs, minibatches);
        if (optimizer == Optimizer.SOAP) {
            MultiLayerNetwork net = sparkNet.getNetwork();
            long repaired = SoapStats.of(net).stream().mapToLong(ParameterStats::getRepairedBases).sum();
            System.out.printf(Locale.ROOT, "SOAP under Spark: %d averaged bases rebuilt (per worker, summed over "
                    + "parameters); state after the last averaging:%n", repaired);
            SoapStats.of(net).forEach(p -> System.out.println("  " + p));
        }
        return record;
    }

    /** @param lrFactor what the optimizer's learning rate is multiplied by (1 on one worker) */
    private MultiLayerNetwork network(Optimizer optimizer, long seed, double lrFactor) {
        double lr = lrFactor * options.learningRate(optimizer);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(optimizer == Optimizer.SOAP ? alignedSoap(lr) : optimizer.updater(lr))
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

    /**
     * SOAP whose refreshes start from the state Spark has just averaged (docs/distributed.md): Spark averages
     * after every worker's {@code averagingFrequency}-th call, that is after the Adam steps {@code t} with
     * {@code t mod averagingFrequency == averagingFrequency - 1} (the first call takes no Adam step), and a
     * refresh falling due after such a step runs at the start of the next split, on the averaged state. The same
     * configuration serves the single-worker run.
     */
    private Soap alignedSoap(double learningRate) {
        int frequency = Soap.DEFAULT_PRECONDITION_FREQUENCY;
        return Soap.builder().learningRate(learningRate)
                .refreshPhase(frequency % averagingFrequency == 0 ? frequency - 1 : 0)
                .build();
    }

    /** @return the closing table: per seed and optimizer, final held-out loss and accuracy, single against Spark */
    static List<String> table(Map<Long, List<RunRecord>> bySeed) {
        List<String> lines = new ArrayList<>();
        lines.add("seed  optimizer  single loss  spark loss  spark/single  single acc  spark acc  single s  spark s");
        bySeed.forEach((seed, runs) -> {
            for (int i = 0; i + 1 < runs.size(); i += 2) {
                RunRecord.Evaluation single = runs.get(i).last();
                RunRecord.Evaluation spark = runs.get(i + 1).last();
                lines.add(String.format(Locale.ROOT, "%-5d %-9s  %11.4f  %10.4f  %12.3f  %10.4f  %9.4f  %8.1f  %7.1f",
                        seed, runs.get(i).name().replace("-single", ""), single.loss(), spark.loss(),
                        spark.loss() / single.loss(), single.accuracy(), spark.accuracy(), single.seconds(),
                        spark.seconds()));
            }
        });
        return lines;
    }

    private List<String> csv(Map<Long, List<RunRecord>> bySeed) {
        List<String> lines = new ArrayList<>();
        lines.add("seed,optimizer,mode,master,epochs,batch,averaging_frequency,lr,loss,accuracy,seconds");
        bySeed.forEach((seed, runs) -> {
            for (RunRecord r : runs) {
                String[] parts = r.name().split("-");
                Optimizer o = Optimizer.parse(parts[0]);
                lines.add(String.format(Locale.ROOT, "%d,%s,%s,%s,%d,%d,%d,%s,%.6f,%.6f,%.2f", seed, parts[0],
                        parts[1], parts[1].equals("spark") ? master : "", epochs, batch, averagingFrequency,
                        options.learningRate(o) * (parts[1].equals("spark") ? lrFactor : 1),
                        r.last().loss(), r.last().accuracy(), r.last().seconds()));
            }
        });
        return lines;
    }
}
