package io.github.soapdl4j.examples.mnist;

import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import io.github.soapdl4j.examples.common.Comparison;
import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.Trainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The main job: an image classifier on Fashion-MNIST (or MNIST) trained with SOAP and with Deeplearning4j's
 * Adam under the same seed, batch size and constant learning rate, compared on held-out loss per step.
 */
@Command(name = "mnist-example", mixinStandardHelpOptions = true,
        description = "Train an MLP and/or a CNN on Fashion-MNIST or MNIST with SOAP and with Adam, and compare.")
public final class MnistExample implements Callable<Integer> {

    @Option(names = "--dataset", description = "fashion or mnist (default: ${DEFAULT-VALUE})")
    MnistData.Dataset dataset = MnistData.Dataset.FASHION;

    @Option(names = "--data-dir", description = "directory with the four uncompressed IDX files "
            + "(default: unpacked from " + "/usr/share/datasets/fashion-mnist, or DL4J's download for mnist)")
    File dataDir;

    @Option(names = "--model", description = "mlp, cnn or both (default: ${DEFAULT-VALUE})")
    String model = "mlp";

    @Option(names = "--optimizers", split = ",", description = "which of soap,adam to run (default: soap,adam)")
    List<String> optimizers = List.of("soap", "adam");

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 10;

    @Option(names = "--batch", description = "minibatch size (default: ${DEFAULT-VALUE})")
    int batch = 1024;

    @Option(names = "--train-limit", description = "training examples used (default: all ${DEFAULT-VALUE})")
    int trainLimit = 60_000;

    @Option(names = "--test-limit", description = "held-out examples used (default: all ${DEFAULT-VALUE})")
    int testLimit = 10_000;

    @Option(names = "--soap-lr", description = "SOAP's learning rate (default: ${DEFAULT-VALUE}, from the sweep "
            + "in README.md)")
    double soapLr = 3e-3;

    @Option(names = "--adam-lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE}, from the sweep "
            + "in README.md)")
    double adamLr = 3e-3;

    @Option(names = "--eval-every", description = "evaluate on the held-out set every this many steps "
            + "(default: ${DEFAULT-VALUE})")
    int evalEvery = 10;

    @Option(names = "--seed", description = "seed for initialization and shuffling (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--out", description = "output directory for CSV and PNG files (default: ${DEFAULT-VALUE})")
    File out = new File("soap-examples/results/mnist");

    @Option(names = "--sweep", split = ",", description = "instead of one comparison, train every optimizer at "
            + "each of these learning rates and report the final held-out loss, e.g. 1e-3,3e-3,1e-2")
    List<Double> sweep;

    public static void main(String[] args) {
        System.exit(new CommandLine(new MnistExample()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        MnistData data = MnistData.locate(dataset, dataDir);
        System.out.printf(Locale.ROOT, "%s from %s: %d training and %d held-out examples, batch %d, %d epochs%n",
                dataset, data.directory(), trainLimit, testLimit, batch, epochs);
        ResultsWriter writer = new ResultsWriter(out);
        List<ImageModels.Model> models = model.equalsIgnoreCase("both")
                ? List.of(ImageModels.Model.MLP, ImageModels.Model.CNN)
                : List.of(ImageModels.Model.valueOf(model.toUpperCase(Locale.ROOT)));
        for (ImageModels.Model m : models) {
            if (sweep != null) {
                sweep(data, m);
            } else {
                compare(data, m, writer);
            }
        }
        return 0;
    }

    /** Trains each optimizer once on {@code m}, writes CSV and PNG files, prints the comparison. */
    List<RunRecord> compare(MnistData data, ImageModels.Model m, ResultsWriter writer) throws Exception {
        List<RunRecord> runs = new ArrayList<>();
        String prefix = dataset.name().toLowerCase(Locale.ROOT) + "-" + m.name().toLowerCase(Locale.ROOT);
        for (String optimizer : optimizers) {
            double lr = optimizer.equalsIgnoreCase("soap") ? soapLr : adamLr;
            RunRecord run = run(data, m, optimizer, lr);
            writer.writeCsv(prefix, run);
            runs.add(run);
        }
        File png = writer.writePlot(prefix, prefix, runs);
        System.out.println();
        System.out.println(prefix + " (" + batch + " per batch):");
        if (runs.stream().anyMatch(r -> r.name().equals("adam"))) {
            System.out.print(Comparison.table("adam", runs));
        }
        System.out.println("Wrote " + png + " and the CSV files beside it.");
        return runs;
    }

    private void sweep(MnistData data, ImageModels.Model m) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String optimizer : optimizers) {
            for (double lr : sweep) {
                RunRecord run = run(data, m, optimizer, lr);
                lines.add(String.format(Locale.ROOT, "%-6s lr %-8s final held-out loss %.4f accuracy %.4f",
                        optimizer, lr, run.last().loss(), run.last().accuracy()));
            }
        }
        System.out.println();
        System.out.println("Sweep, " + m + ", " + epochs + " epochs, batch " + batch + ":");
        lines.forEach(System.out::println);
    }

    private RunRecord run(MnistData data, ImageModels.Model m, String optimizer, double lr) throws Exception {
        IUpdater updater = optimizer.equalsIgnoreCase("soap") ? new Soap(lr) : new Adam(lr);
        MultiLayerNetwork net = new MultiLayerNetwork(ImageModels.configuration(m, updater, seed));
        net.init();
        Soap.bind(net);
        RunRecord run = new Trainer(evalEvery, System.out).train(optimizer.toLowerCase(Locale.ROOT), net,
                data.iterator(true, batch, trainLimit, seed), data.iterator(false, 1000, testLimit, seed), epochs);
        if (updater instanceof Soap) {
            System.out.println("SOAP state after training:");
            SoapStats.of(net).forEach(p -> System.out.println("  " + p));
        }
        return run;
    }
}
