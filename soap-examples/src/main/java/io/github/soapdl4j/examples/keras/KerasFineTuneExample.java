package io.github.soapdl4j.examples.keras;

import io.github.soapdl4j.examples.common.Classifier;
import io.github.soapdl4j.examples.common.JobOptions;
import io.github.soapdl4j.examples.common.Optimizer;
import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.SeededComparison;
import io.github.soapdl4j.examples.common.TimingConditions;
import io.github.soapdl4j.examples.common.Trainer;
import io.github.soapdl4j.examples.mnist.MnistData;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
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
 * Keras-import fine-tuning: a Keras 2 HDF5 classifier is imported with {@link KerasModelImport}, its classifier
 * replaced for Fashion-MNIST's ten classes, its first layers frozen, and the rest fine-tuned through
 * {@code TransferLearning} with SOAP and, under the same setup, with Adam. Each run is checkpointed with
 * {@code ModelSerializer} mid-way and goes on with the restored network; SOAP's run of the first seed is also
 * repeated without the interruption, and the two must end with identical parameters and updater state.
 *
 * <p>Without {@code --model}, the job first writes its own Keras file (no Keras is needed): the
 * {@link SourceModel}, trained on five of the ten classes, saved by {@link KerasHdf5Writer}.
 */
@Command(name = "keras-fine-tune", mixinStandardHelpOptions = true,
        description = "Import a Keras 2 HDF5 MLP, fine-tune it on Fashion-MNIST with SOAP and with Adam "
                + "(frozen leading layers, a new softmax head), checkpoint and restore mid-way, and compare.")
public final class KerasFineTuneExample implements Callable<Integer> {
    static final String PREFIX = "keras-fine-tune";
    static final int CLASSES = 10;
    static final String JOB = "keras";

    @Mixin
    JobOptions options = new JobOptions(JOB, 3e-3, 3e-3, List.of(1L, 2L, 3L));

    @Option(names = "--model", description = "a Keras 2 HDF5 Sequential model of Dense layers taking the 784 "
            + "pixels (default: the job writes and uses <out>/" + SourceFile.NAME + ")")
    File model;

    @Option(names = "--data-dir", description = "directory with Fashion-MNIST's four uncompressed IDX files "
            + "(default: unpacked from /usr/share/datasets/fashion-mnist)")
    File dataDir;

    @Option(names = "--epochs", description = "fine-tuning epochs (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--batch", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch = 512;

    @Option(names = "--freeze", description = "leading layers kept frozen (default: ${DEFAULT-VALUE})")
    int freeze = 1;

    @Option(names = "--train-limit", description = "training examples (default: all ${DEFAULT-VALUE})")
    int trainLimit = 60_000;

    @Option(names = "--test-limit", description = "held-out examples (default: all ${DEFAULT-VALUE})")
    int testLimit = 10_000;

    @Option(names = "--source-limit", description = "without --model: the source model trains on the source "
            + "classes among the first this many training examples (default: ${DEFAULT-VALUE})")
    int sourceLimit = 12_000;

    @Option(names = "--source-seed", description = "without --model: the source model's seed (default: "
            + "${DEFAULT-VALUE})")
    long sourceSeed = 42;

    @Option(names = "--source-epochs", description = "without --model: the source model's epochs "
            + "(default: ${DEFAULT-VALUE})")
    int sourceEpochs = 2;

    @Option(names = "--checkpoint-at", description = "checkpoint and restore after this step; 0 never, -1 half-way "
            + "through the run (default: ${DEFAULT-VALUE})")
    int checkpointAt = -1;

    @Option(names = "--verify-resume", negatable = true, description = "repeat SOAP's run without the checkpoint "
            + "and compare the two, for the first seed (default: ${DEFAULT-VALUE})")
    boolean verifyResume = true;

    /** What the job produced, for its caller to check: every seed's runs by name. */
    record Outcome(File model, MultiLayerNetwork imported, Map<Long, Map<String, CheckpointedTrainer.Result>> runs,
                   CheckpointedTrainer.Result uninterrupted, File plot) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new KerasFineTuneExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        execute();
        System.out.printf(Locale.ROOT, "Wall-clock time of the whole job: %.1fs%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Runs the job and prints its summary. */
    Outcome execute() throws Exception {
        System.out.println(TimingConditions.establish());
        MnistData data = MnistData.locate(MnistData.Dataset.FASHION, dataDir);
        ResultsWriter writer = new ResultsWriter(options.out);
        File h5 = model != null ? model : SourceFile.write(data, new File(options.out, SourceFile.NAME),
                sourceLimit, sourceEpochs, sourceSeed, System.out);
        MultiLayerNetwork imported = KerasModelImport.importKerasSequentialModelAndWeights(h5.getPath());
        System.out.println("Imported " + h5 + ": " + describe(imported));
        int steps = epochs * (int) Math.ceil(Math.min(trainLimit, 60_000) / (double) batch);
        int at = checkpointAt < 0 ? steps / 2 : checkpointAt;
        System.out.printf(Locale.ROOT, "Fine-tuning on %d examples (%d held out), batch %d, %d epochs = %d steps, "
                + "%d frozen layer(s), checkpoint after step %d, seeds %s%n", trainLimit, testLimit, batch, epochs,
                steps, freeze, at, options.seeds);

        Map<Long, Map<String, CheckpointedTrainer.Result>> runs = new LinkedHashMap<>();
        String title = PREFIX + " (batch " + batch + ", " + epochs + " epochs, " + freeze + " frozen)";
        SeededComparison.run(options, PREFIX, title, (o, n) -> warmUp(data, imported, o, n), (o, seed) -> {
            CheckpointedTrainer.Result result = fineTune(data, imported, o.label(), o, seed, at);
            runs.computeIfAbsent(seed, s -> new LinkedHashMap<>()).put(o.label(), result);
            return result.record();
        }, writer, System.out);
        long first = options.seeds.get(0);
        CheckpointedTrainer.Result uninterrupted = verifyResume && runs.get(first).containsKey("soap")
                ? fineTune(data, imported, "soap-uninterrupted", Optimizer.SOAP, first, 0) : null;
        summarize(imported, runs, uninterrupted);
        return new Outcome(h5, imported, runs, uninterrupted, new File(options.out, PREFIX + "-loss.png"));
    }

    private void warmUp(MnistData data, MultiLayerNetwork imported, Optimizer optimizer, int n) throws Exception {
        long seed = options.seeds.get(0);
        MultiLayerNetwork net = FineTuneNetworks.build(imported, optimizer.updater(options.learningRate(optimizer)),
                freeze, CLASSES, seed);
        Trainer.fitSteps(Classifier.of(net), new MultiDataSetIteratorAdapter(data.iterator(true, batch, trainLimit,
                seed)), n);
    }

    private CheckpointedTrainer.Result fineTune(MnistData data, MultiLayerNetwork imported, String name,
                                                Optimizer optimizer, long seed, int at) throws Exception {
        MultiLayerNetwork net = FineTuneNetworks.build(imported, optimizer.updater(options.learningRate(optimizer)),
                freeze, CLASSES, seed);
        File checkpoint = new File(options.out, ResultsWriter.seedPrefix(PREFIX, seed) + "-" + name
                + "-checkpoint.zip");
        return new CheckpointedTrainer(at, checkpoint, System.out).train(name, net,
                data.iterator(true, batch, trainLimit, seed), data.iterator(false, 1000, testLimit, seed), epochs);
    }

    private void summarize(MultiLayerNetwork imported, Map<Long, Map<String, CheckpointedTrainer.Result>> runs,
                           CheckpointedTrainer.Result uninterrupted) {
        System.out.println();
        for (Map.Entry<Long, Map<String, CheckpointedTrainer.Result>> seed : runs.entrySet()) {
            for (Map.Entry<String, CheckpointedTrainer.Result> run : seed.getValue().entrySet()) {
                System.out.printf(Locale.ROOT, "seed %d, %s: frozen layers' largest change %s%n", seed.getKey(),
                        run.getKey(), frozenChange(imported, run.getValue().network()));
            }
        }
        if (uninterrupted != null) {
            MultiLayerNetwork resumed = runs.get(options.seeds.get(0)).get("soap").network();
            MultiLayerNetwork straight = uninterrupted.network();
            double params = maxAbsDiff(resumed.params(), straight.params());
            double state = maxAbsDiff(resumed.getUpdater().getStateViewArray(),
                    straight.getUpdater().getStateViewArray());
            System.out.printf(Locale.ROOT, "SOAP restored from its checkpoint vs uninterrupted (seed %d): parameters "
                    + "differ by at most %s, updater state by at most %s: %s%n", options.seeds.get(0), params, state,
                    params == 0 && state == 0 ? "identical" : "DIFFERENT");
        }
    }

    /** @return the largest absolute change of the frozen layers' parameters from their imported values */
    double frozenChange(MultiLayerNetwork imported, MultiLayerNetwork tuned) {
        double largest = 0;
        for (int i = 0; i < freeze; i++) {
            largest = Math.max(largest, maxAbsDiff(imported.getLayer(i).params(), tuned.getLayer(i).params()));
        }
        return largest;
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    private static String describe(MultiLayerNetwork net) {
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            layers.add(net.getLayerWiseConfigurations().getConf(i).getLayer().getClass().getSimpleName() + " "
                    + net.getLayer(i).numParams());
        }
        return String.join(", ", layers) + " (parameters per layer)";
    }
}
