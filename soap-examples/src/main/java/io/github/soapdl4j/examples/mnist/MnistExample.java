package io.github.soapdl4j.examples.mnist;

import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import io.github.soapdl4j.examples.common.Classifier;
import io.github.soapdl4j.examples.common.JobOptions;
import io.github.soapdl4j.examples.common.Optimizer;
import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.SeededComparison;
import io.github.soapdl4j.examples.common.Sweep;
import io.github.soapdl4j.examples.common.SweepOptions;
import io.github.soapdl4j.examples.common.TimingConditions;
import io.github.soapdl4j.examples.common.Trainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.File;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The main job: an image classifier on Fashion-MNIST (or MNIST) trained with SOAP and with Deeplearning4j's
 * Adam under the same seeds, batch size, constant learning rates and decoupled weight decay, compared on
 * held-out loss per step; or, with {@code --sweep}, the tuning sweep both optimizers get the same budget of.
 */
@Command(name = "mnist-example", mixinStandardHelpOptions = true,
        description = "Train an MLP and/or a CNN on Fashion-MNIST or MNIST with SOAP and with Adam over several "
                + "seeds, and compare; or sweep learning rate x weight decay for both.")
public final class MnistExample implements Callable<Integer> {
    static final String JOB = "mnist";

    @Mixin
    // Learning rates and weight decays: each optimizer's best final held-out loss in the same sweep over
    // {1e-3, 3e-3} x {0, 0.3} (docs/results.md).
    JobOptions options = new JobOptions(JOB, 1e-3, 3e-3, List.of(1L, 2L, 3L));

    @Mixin
    SweepOptions sweep = new SweepOptions();

    @Option(names = "--dataset", description = "fashion or mnist (default: ${DEFAULT-VALUE})")
    MnistData.Dataset dataset = MnistData.Dataset.FASHION;

    @Option(names = "--data-dir", description = "directory with the four uncompressed IDX files "
            + "(default: unpacked from " + "/usr/share/datasets/fashion-mnist, or DL4J's download for mnist)")
    File dataDir;

    @Option(names = "--model", description = "mlp, cnn or both (default: ${DEFAULT-VALUE}); the CNN trains SOAP at "
            + "learning rate " + CNN_SOAP_LR + " unless --soap-lr is given")
    String model = "mlp";

    /**
     * SOAP's learning rate on the CNN where {@code --soap-lr} is not given: the better of {1e-3, 3e-3} on the CNN
     * (2 epochs, seed 1); Adam's better one there is its MLP default, 3e-3 (docs/results.md).
     */
    static final double CNN_SOAP_LR = 3e-3;

    @Spec
    CommandSpec spec;

    /** Each optimizer's weight decay from the sweep, used where no option sets one. */
    static final double SOAP_WEIGHT_DECAY = 0.3;
    static final double ADAM_WEIGHT_DECAY = 0.0;

    @Option(names = "--weight-decay", description = "decoupled weight decay of every layer's weights (each step "
            + "shrinks them by learning rate x this), for both optimizers; 0 for none (default: each optimizer's "
            + "own, " + SOAP_WEIGHT_DECAY + " for SOAP and " + ADAM_WEIGHT_DECAY + " for Adam)")
    Double weightDecay;

    @Option(names = "--soap-weight-decay", description = "SOAP's weight decay (default: --weight-decay, else "
            + SOAP_WEIGHT_DECAY + ")")
    Double soapWeightDecay;

    @Option(names = "--adam-weight-decay", description = "Adam's weight decay (default: --weight-decay, else "
            + ADAM_WEIGHT_DECAY + ")")
    Double adamWeightDecay;

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE}, the CNN " + CNN_EPOCHS + ")")
    int epochs = 10;

    /**
     * The CNN's epochs where {@code --epochs} is not given: ten take about four hours per seed (both optimizers) on
     * a 2-core machine, two about a quarter of an hour.
     */
    static final int CNN_EPOCHS = 2;

    @Option(names = "--batch", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch = 1024;

    @Option(names = "--train-limit", description = "training examples used (default: all ${DEFAULT-VALUE})")
    int trainLimit = 60_000;

    @Option(names = "--test-limit", description = "held-out examples used (default: all ${DEFAULT-VALUE})")
    int testLimit = 10_000;

    @Option(names = "--eval-every", description = "evaluate on the held-out set every this many steps "
            + "(default: ${DEFAULT-VALUE})")
    int evalEvery = 10;

    @Option(names = "--refresh-tolerance", description = "SOAP's opt-in refreshTolerance: skip a due refresh while "
            + "the basis diagonalizes its factor within it (default: ${DEFAULT-VALUE}, the reference's schedule)")
    double refreshTolerance = 0;

    public static void main(String[] args) {
        System.exit(commandLine(new MnistExample()).execute(args));
    }

    /** @return the command line of {@code job}, as {@link #main} runs it */
    static CommandLine commandLine(MnistExample job) {
        return new CommandLine(job).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public Integer call() throws Exception {
        System.out.println(TimingConditions.establish());
        MnistData data = MnistData.locate(dataset, dataDir);
        System.out.printf(Locale.ROOT, "%s from %s: %d training and %d held-out examples, batch %d, seeds %s%n",
                dataset, data.directory(), trainLimit, testLimit, batch, options.seeds);
        ResultsWriter writer = new ResultsWriter(options.out);
        double soapLr = options.soapLr;
        int jobEpochs = epochs;
        for (ImageModels.Model m : models()) {
            options.soapLr = soapLearningRate(m, soapLr);
            epochs = epochs(m, jobEpochs);
            if (sweep.active()) {
                sweep(data, m, writer);
            } else {
                compare(data, m, writer);
            }
        }
        return 0;
    }

    /**
     * @param jobLr {@code --soap-lr} as parsed: the value given, else the job's default (the MLP's)
     * @return SOAP's learning rate on {@code m}
     */
    double soapLearningRate(ImageModels.Model m, double jobLr) {
        return m == ImageModels.Model.CNN && !given("--soap-lr") ? CNN_SOAP_LR : jobLr;
    }

    /**
     * @param jobEpochs {@code --epochs} as parsed: the value given, else the job's default (the MLP's)
     * @return the epochs to train {@code m} for
     */
    int epochs(ImageModels.Model m, int jobEpochs) {
        return m == ImageModels.Model.CNN && !given("--epochs") ? CNN_EPOCHS : jobEpochs;
    }

    /** @return whether the command line named {@code option} (false where the job did not come from one) */
    private boolean given(String option) {
        return spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    List<ImageModels.Model> models() {
        return model.equalsIgnoreCase("both") ? List.of(ImageModels.Model.MLP, ImageModels.Model.CNN)
                : List.of(ImageModels.Model.valueOf(model.toUpperCase(Locale.ROOT)));
    }

    /** @return the prefix of {@code m}'s files, e.g. {@code fashion-mlp} */
    String prefix(ImageModels.Model m) {
        return dataset.name().toLowerCase(Locale.ROOT) + "-" + m.name().toLowerCase(Locale.ROOT);
    }

    /** Trains each optimizer once per seed on {@code m}, writes CSV and PNG files, prints the tables. */
    Map<Long, List<RunRecord>> compare(MnistData data, ImageModels.Model m, ResultsWriter writer) throws Exception {
        StringBuilder settings = new StringBuilder();
        for (Optimizer o : options.optimizers) {
            settings.append(String.format(Locale.ROOT, ", %s lr %s wd %s", o.label(), options.learningRate(o),
                    weightDecay(o)));
        }
        String title = prefix(m) + " (batch " + batch + ", " + epochs + " epochs" + settings + ")";
        return SeededComparison.run(options, prefix(m), title, (o, steps) -> warmUp(data, m, o, steps),
                (o, seed) -> run(data, m, o, options.learningRate(o), weightDecay(o), seed), writer, System.out);
    }

    /** @return the weight decay {@code optimizer} trains with */
    double weightDecay(Optimizer optimizer) {
        Double own = optimizer == Optimizer.SOAP ? soapWeightDecay : adamWeightDecay;
        if (own != null) {
            return own;
        }
        if (weightDecay != null) {
            return weightDecay;
        }
        return optimizer == Optimizer.SOAP ? SOAP_WEIGHT_DECAY : ADAM_WEIGHT_DECAY;
    }

    /** Trains every optimizer at every setting of the grid, for every seed; prints and writes the table. */
    List<Sweep.Cell> sweep(MnistData data, ImageModels.Model m, ResultsWriter writer) throws Exception {
        String heading = "Sweep, " + prefix(m) + ", " + epochs + " epochs, batch " + batch;
        double decay = weightDecay != null ? weightDecay : 0.0;
        return Sweep.run(options, sweep.learningRates, sweep.weightDecays(decay), prefix(m), heading,
                (o, steps) -> warmUp(data, m, o, steps), (o, lr, wd, seed) -> run(data, m, o, lr, wd, seed),
                writer, System.out);
    }

    private MultiLayerNetwork network(ImageModels.Model m, Optimizer optimizer, double lr, double wd, long seed) {
        IUpdater updater = optimizer == Optimizer.SOAP
                ? Soap.builder().learningRate(lr).refreshTolerance(refreshTolerance).build() : optimizer.updater(lr);
        MultiLayerNetwork net = new MultiLayerNetwork(ImageModels.configuration(m, updater, wd, seed));
        net.init();
        return Soap.bind(net);
    }

    private void warmUp(MnistData data, ImageModels.Model m, Optimizer optimizer, int steps) throws Exception {
        long seed = options.seeds.get(0);
        Trainer.fitSteps(Classifier.of(network(m, optimizer, options.learningRate(optimizer), weightDecay(optimizer),
                        seed)),
                new MultiDataSetIteratorAdapter(data.iterator(true, batch, trainLimit, seed)), steps);
    }

    private RunRecord run(MnistData data, ImageModels.Model m, Optimizer optimizer, double lr, double wd, long seed)
            throws Exception {
        MultiLayerNetwork net = network(m, optimizer, lr, wd, seed);
        RunRecord run = new Trainer(evalEvery, System.out).train(optimizer.label(), net,
                data.iterator(true, batch, trainLimit, seed), data.iterator(false, 1000, testLimit, seed), epochs);
        if (optimizer == Optimizer.SOAP) {
            System.out.println("SOAP state after training:");
            SoapStats.of(net).forEach(p -> System.out.println("  " + p));
        }
        return run;
    }
}
