package io.github.soapdl4j.examples.transformer;

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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    static final String JOB = "transformer";
    static final String PREFIX = "char-transformer";

    @Mixin
    JobOptions options = new JobOptions(JOB, 1e-3, 1e-3, List.of(1L, 2L, 3L));

    @Mixin
    SweepOptions sweep = new SweepOptions();

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

    /** Runs the command line; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new CharTransformerExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        System.out.println(TimingConditions.establish());
        CharCorpus corpus = CharCorpus.fromResource(CharCorpus.DEFAULT_RESOURCE, validationFraction);
        System.out.printf(Locale.ROOT, "Text: %d training and %d validation characters, vocabulary %d (ln %d = "
                        + "%.3f nats)%n", corpus.sizes()[0], corpus.sizes()[1], corpus.vocabularySize(),
                corpus.vocabularySize(), Math.log(corpus.vocabularySize()));
        System.out.printf(Locale.ROOT, "Model: context %d, d_model %d, %d heads, %d blocks, feed-forward %d; "
                + "%d steps of %d windows, weight decay %s, seeds %s%n", context, dModel, heads, blocks,
                feedForward, steps, batch, weightDecay, options.seeds);
        ResultsWriter writer = new ResultsWriter(options.out);
        if (sweep.active()) {
            sweep(corpus, writer);
        } else {
            compare(corpus, writer);
        }
        return 0;
    }

    /**
     * Trains each optimizer once per seed at its learning rate, writes CSV and PNG files, prints the tables
     * (losses in nats per character, accuracy of the next character).
     */
    Map<Long, List<RunRecord>> compare(CharCorpus corpus, ResultsWriter writer) throws Exception {
        String title = "char transformer (" + steps + " steps of " + batch + " windows, weight decay "
                + weightDecay + ")";
        return SeededComparison.run(options, PREFIX, title, (o, n) -> warmUp(corpus, o, n),
                (o, seed) -> run(corpus, o, options.learningRate(o), weightDecay, seed), writer, System.out);
    }

    /** Trains every optimizer at every setting of the sweep's grid, for every seed. */
    List<Sweep.Cell> sweep(CharCorpus corpus, ResultsWriter writer) throws Exception {
        String heading = "Sweep, " + steps + " steps of " + batch + " windows (validation loss in nats)";
        return Sweep.run(options, sweep.learningRates, sweep.weightDecays(weightDecay), PREFIX, heading,
                (o, n) -> warmUp(corpus, o, n), (o, lr, wd, seed) -> run(corpus, o, lr, wd, seed), writer,
                System.out);
    }

    private RunRecord run(CharCorpus corpus, Optimizer optimizer, double lr, double wd, long seed) {
        ComputationGraph graph = graph(corpus, optimizer.updater(lr), wd, seed);
        System.out.printf(Locale.ROOT, "%,d parameters%n", graph.numParams());
        // The training windows depend on the seed alone, so every optimizer gets the same batches in order.
        RunRecord run = new Trainer(evalEvery, System.out).train(optimizer.label(), Classifier.of(graph),
                CharWindowIterator.training(corpus, steps, batch, context, dModel, seed),
                CharWindowIterator.validation(corpus, validationWindows, 256, context, dModel), 1);
        if (optimizer == Optimizer.SOAP) {
            System.out.println("SOAP state after training:");
            SoapStats.of(graph).forEach(p -> System.out.println("  " + p));
        }
        return run;
    }

    /**
     * Untimed steps on a throwaway model. The first training step in a JVM also sets up ND4J's op registry and
     * the attention layers' SameDiff gradient functions, tens of seconds on a busy machine.
     */
    private void warmUp(CharCorpus corpus, Optimizer optimizer, int n) {
        long seed = options.seeds.get(0);
        Trainer.fitSteps(Classifier.of(graph(corpus, optimizer.updater(options.learningRate(optimizer)), weightDecay,
                seed)), CharWindowIterator.training(corpus, n, batch, context, dModel, seed), n);
    }

    private ComputationGraph graph(CharCorpus corpus, IUpdater updater, double wd, long seed) {
        CharTransformer.Size size = new CharTransformer.Size(corpus.vocabularySize(), context, dModel, heads, blocks,
                feedForward);
        ComputationGraph graph = new ComputationGraph(CharTransformer.configuration(size, updater, wd, seed));
        graph.init();
        Soap.bind(graph);
        return graph;
    }
}
