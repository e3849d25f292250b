package io.github.soapdl4j.examples.transformer;

import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import io.github.soapdl4j.examples.common.Classifier;
import io.github.soapdl4j.examples.common.Comparison;
import io.github.soapdl4j.examples.common.ResultsWriter;
import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.Trainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
 * A character-level transformer language model on an excerpt of Pride and Prejudice, trained with SOAP and
 * with Deeplearning4j's Adam for the same number of steps, on the same batches, from the same initialization,
 * with constant learning rates and the same decoupled weight decay; compared on validation loss (the
 * cross-entropy of the next character, in nats) on the text's held-out tail.
 */
@Command(name = "char-transformer", mixinStandardHelpOptions = true,
        description = "Train a small character-level transformer with SOAP and with Adam, and compare their "
                + "validation loss after the same number of steps.")
public final class CharTransformerExample implements Callable<Integer> {

    @Option(names = "--optimizers", split = ",", description = "which of soap,adam to run (default: soap,adam)")
    List<String> optimizers = List.of("soap", "adam");

    @Option(names = "--steps", description = "training steps per optimizer (default: ${DEFAULT-VALUE})")
    int steps = 400;

    @Option(names = "--batch", description = "windows per training step (default: ${DEFAULT-VALUE})")
    int batch = 32;

    @Option(names = "--context", description = "characters the model reads per prediction (default: "
            + "${DEFAULT-VALUE})")
    int context = 32;

    @Option(names = "--d-model", description = "width of the residual stream (default: ${DEFAULT-VALUE})")
    int dModel = 64;

    @Option(names = "--heads", description = "attention heads per block (default: ${DEFAULT-VALUE})")
    int heads = 4;

    @Option(names = "--blocks", description = "attention + feed-forward blocks (default: ${DEFAULT-VALUE})")
    int blocks = 2;

    @Option(names = "--ff", description = "hidden width of the feed-forward networks (default: ${DEFAULT-VALUE})")
    int feedForward = 256;

    @Option(names = "--soap-lr", description = "SOAP's learning rate (default: ${DEFAULT-VALUE}, from the sweep "
            + "in README.md)")
    double soapLr = 1e-3;

    @Option(names = "--adam-lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE}, from the sweep "
            + "in README.md)")
    double adamLr = 1e-3;

    @Option(names = "--weight-decay", description = "decoupled weight decay of every weight matrix, both "
            + "optimizers (default: ${DEFAULT-VALUE})")
    double weightDecay = 0.01;

    @Option(names = "--validation-fraction", description = "tail of the text held out for validation (default: "
            + "${DEFAULT-VALUE})")
    double validationFraction = 0.1;

    @Option(names = "--validation-windows", description = "windows evaluated at each evaluation, spread evenly "
            + "over the held-out text (default: ${DEFAULT-VALUE})")
    int validationWindows = 512;

    @Option(names = "--eval-every", description = "evaluate every this many steps (default: ${DEFAULT-VALUE})")
    int evalEvery = 25;

    @Option(names = "--seed", description = "seed for initialization and batch order (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--out", description = "output directory for CSV and PNG files (default: ${DEFAULT-VALUE})")
    File out = new File("soap-examples/results/transformer");

    @Option(names = "--sweep", split = ",", description = "instead of one comparison, train every optimizer at "
            + "each of these learning rates and tabulate the final validation loss, e.g. 1e-3,3e-3,1e-2")
    List<Double> sweep;

    /** Runs the command line; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new CharTransformerExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CharCorpus corpus = CharCorpus.fromResource(CharCorpus.DEFAULT_RESOURCE, validationFraction);
        System.out.printf(Locale.ROOT, "Text: %d training and %d validation characters, vocabulary %d (ln %d = "
                        + "%.3f nats)%n", corpus.sizes()[0], corpus.sizes()[1], corpus.vocabularySize(),
                corpus.vocabularySize(), Math.log(corpus.vocabularySize()));
        System.out.printf(Locale.ROOT, "Model: context %d, d_model %d, %d heads, %d blocks, feed-forward %d; "
                + "%d steps of %d windows, weight decay %s, seed %d%n", context, dModel, heads, blocks, feedForward,
                steps, batch, weightDecay, seed);
        if (sweep != null) {
            sweep(corpus);
        } else {
            compare(corpus, new ResultsWriter(out));
        }
        return 0;
    }

    /** Trains each optimizer once at its learning rate, writes CSV and PNG files, prints the comparison. */
    List<RunRecord> compare(CharCorpus corpus, ResultsWriter writer) throws Exception {
        String prefix = "char-transformer";
        warmUp(corpus);
        List<RunRecord> runs = new ArrayList<>();
        for (String optimizer : optimizers) {
            RunRecord run = run(corpus, optimizer, optimizer.equalsIgnoreCase("soap") ? soapLr : adamLr);
            writer.writeCsv(prefix, run);
            runs.add(run);
        }
        File png = writer.writePlot(prefix, "char transformer", runs);
        System.out.printf(Locale.ROOT, "%nCharacter transformer, %d steps of %d windows (losses in nats per "
                + "character, accuracy of the next character):%n", steps, batch);
        if (runs.stream().anyMatch(r -> r.name().equals("adam"))) {
            System.out.print(Comparison.table("adam", runs));
        }
        System.out.println("Wrote " + png + " and the CSV files beside it.");
        return runs;
    }

    /** Trains every optimizer at every learning rate of {@link #sweep}; @return the runs, in that order */
    List<RunRecord> sweep(CharCorpus corpus) throws Exception {
        warmUp(corpus);
        List<RunRecord> runs = new ArrayList<>();
        for (String optimizer : optimizers) {
            for (double lr : sweep) {
                runs.add(run(corpus, optimizer, lr));
            }
        }
        System.out.printf(Locale.ROOT, "%nLearning-rate sweep, %d steps of %d windows:%n", steps, batch);
        System.out.printf(Locale.ROOT, "%-6s %8s %16s %10s %16s %9s%n", "run", "lr", "final val. loss", "accuracy",
                "best val. loss", "seconds");
        int i = 0;
        for (String optimizer : optimizers) {
            for (double lr : sweep) {
                RunRecord run = runs.get(i++);
                double best = run.evaluations().stream().mapToDouble(RunRecord.Evaluation::loss).min().orElseThrow();
                System.out.printf(Locale.ROOT, "%-6s %8s %16.4f %10.4f %16.4f %9.1f%n", optimizer, lr,
                        run.last().loss(), run.last().accuracy(), best, run.last().seconds());
            }
        }
        return runs;
    }

    private RunRecord run(CharCorpus corpus, String optimizer, double lr) {
        IUpdater updater = updater(optimizer, lr);
        String name = optimizer.toLowerCase(Locale.ROOT);
        ComputationGraph graph = graph(corpus, updater);
        System.out.printf(Locale.ROOT, "%n%s, learning rate %s, %,d parameters%n", name, lr, graph.numParams());
        // The training windows depend on the seed alone, so every optimizer gets the same batches in order.
        RunRecord run = new Trainer(evalEvery, System.out).train(name, Classifier.of(graph),
                CharWindowIterator.training(corpus, steps, batch, context, dModel, seed),
                CharWindowIterator.validation(corpus, validationWindows, 256, context, dModel), 1);
        if (updater instanceof Soap) {
            System.out.println("SOAP state after training:");
            SoapStats.of(graph).forEach(p -> System.out.println("  " + p));
        }
        return run;
    }

    /**
     * Takes one untimed step with each optimizer on a throwaway model. The first training step in a JVM sets up
     * ND4J's op registry and the attention layers' SameDiff gradient functions (and SOAP's first LAPACK calls),
     * tens of seconds on a busy machine; without this, whichever optimizer runs first would be charged for it.
     */
    void warmUp(CharCorpus corpus) {
        for (String optimizer : optimizers) {
            graph(corpus, updater(optimizer, 1e-3)).fit(CharWindowIterator.training(corpus, 1, batch, context,
                    dModel, seed).next());
        }
    }

    private ComputationGraph graph(CharCorpus corpus, IUpdater updater) {
        CharTransformer.Size size = new CharTransformer.Size(corpus.vocabularySize(), context, dModel, heads, blocks,
                feedForward);
        ComputationGraph graph = new ComputationGraph(CharTransformer.configuration(size, updater, weightDecay, seed));
        graph.init();
        Soap.bind(graph);
        return graph;
    }

    private IUpdater updater(String optimizer, double lr) {
        return switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "soap" -> new Soap(lr);
            case "adam" -> new Adam(lr);
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "unknown optimizer '" + optimizer + "': use soap or adam");
        };
    }
}
