package io.github.soapdl4j.examples.common;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Trains a classifier for a number of epochs, recording the training loss of every step and the held-out
 * cross-entropy and accuracy every {@code evalEvery} steps and at the end of every epoch. Time spent evaluating
 * is not counted as training time.
 */
public final class Trainer {
    private final int evalEvery;
    private final PrintStream log;

    /**
     * @param evalEvery evaluate after every this many steps (and at each epoch's end)
     * @param log       where progress lines go
     */
    public Trainer(int evalEvery, PrintStream log) {
        this.evalEvery = evalEvery;
        this.log = log;
    }

    /** Trains {@code net} on {@code train}, evaluating on {@code test}; @return what was measured */
    public RunRecord train(String name, MultiLayerNetwork net, DataSetIterator train, DataSetIterator test,
                           int epochs) {
        return train(name, Classifier.of(net), new MultiDataSetIteratorAdapter(train),
                new MultiDataSetIteratorAdapter(test), epochs);
    }

    /**
     * Trains any {@link Classifier} (a {@code ComputationGraph} with several inputs, say) on {@code train},
     * evaluating on {@code test}; an epoch is one pass of {@code train} from its {@code reset()}.
     *
     * @return what was measured
     */
    public RunRecord train(String name, Classifier net, MultiDataSetIterator train, MultiDataSetIterator test,
                           int epochs) {
        RunRecord record = new RunRecord(name);
        long trainingNanos = 0;
        int iteration = 0;
        evaluate(record, net, test, 0, 0, 0);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            train.reset();
            while (train.hasNext()) {
                MultiDataSet batch = train.next();
                long start = System.nanoTime();
                double loss = net.fit(batch);
                trainingNanos += System.nanoTime() - start;
                iteration++;
                record.addStep(iteration, loss, trainingNanos / 1e9);
                if (iteration % evalEvery == 0 && train.hasNext()) {
                    evaluate(record, net, test, iteration, epoch, trainingNanos / 1e9);
                }
            }
            evaluate(record, net, test, iteration, epoch, trainingNanos / 1e9);
        }
        return record;
    }

    /** One epoch trained whole by something else (Spark's parameter averaging, say). */
    @FunctionalInterface
    public interface EpochFit {
        /** Trains one epoch; @return its training loss, NaN where it is not known */
        double fitEpoch() throws Exception;
    }

    /**
     * Trains by whole epochs, each one call of {@code fit}, evaluating {@code current.get()} on {@code test}
     * before training and after every epoch (the model to evaluate may be another object after each epoch). The
     * step count advances by {@code stepsPerEpoch} per epoch, so that the record lines up with a {@link #train}
     * record of the same minibatches.
     *
     * @return what was measured: one step per epoch (its training loss) and one evaluation per epoch
     */
    public RunRecord trainByEpoch(String name, EpochFit fit, Supplier<Classifier> current, MultiDataSetIterator test,
                                  int epochs, int stepsPerEpoch) throws Exception {
        RunRecord record = new RunRecord(name);
        long trainingNanos = 0;
        evaluate(record, current.get(), test, 0, 0, 0);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            double loss = fit.fitEpoch();
            trainingNanos += System.nanoTime() - start;
            if (!Double.isNaN(loss)) {
                record.addStep(epoch * stepsPerEpoch, loss, trainingNanos / 1e9);
            }
            evaluate(record, current.get(), test, epoch * stepsPerEpoch, epoch, trainingNanos / 1e9);
        }
        return record;
    }

    /**
     * Fits {@code steps} minibatches of {@code train} (from its start, again from its start when it runs out):
     * the untimed warm-up of {@link TimingConditions#warmUp} on a throwaway model.
     */
    public static void fitSteps(Classifier net, MultiDataSetIterator train, int steps) {
        train.reset();
        for (int i = 0; i < steps; i++) {
            if (!train.hasNext()) {
                train.reset();
            }
            net.fit(train.next());
        }
    }

    private void evaluate(RunRecord record, Classifier net, MultiDataSetIterator test, int iteration, int epoch,
                          double seconds) {
        double[] lossAndAccuracy = lossAndAccuracy(net, test);
        record.addEvaluation(iteration, epoch, lossAndAccuracy[0], lossAndAccuracy[1], seconds);
        String trainLoss = record.steps().isEmpty() ? "  -   "
                : String.format(Locale.ROOT, "%.4f", record.steps().get(record.steps().size() - 1).loss());
        log.printf(Locale.ROOT, "%-10s epoch %2d step %5d  train loss %s  held-out loss %.4f  accuracy %.4f  %6.1fs%n",
                record.name(), epoch, iteration, trainLoss, lossAndAccuracy[0], lossAndAccuracy[1], seconds);
    }

    /** As {@link #lossAndAccuracy(Classifier, MultiDataSetIterator)}, for a network and a plain iterator. */
    public static double[] lossAndAccuracy(MultiLayerNetwork net, DataSetIterator data) {
        return lossAndAccuracy(Classifier.of(net), new MultiDataSetIteratorAdapter(data));
    }

    /** Mean cross-entropy and accuracy of a softmax classifier, from one forward pass per batch. */
    public static double[] lossAndAccuracy(Classifier net, MultiDataSetIterator data) {
        data.reset();
        double loss = 0;
        long correct = 0;
        long count = 0;
        while (data.hasNext()) {
            MultiDataSet batch = data.next();
            INDArray labels = batch.getLabels(0).castTo(DataType.DOUBLE);
            INDArray probabilities = net.probabilities(batch).castTo(DataType.DOUBLE);
            loss -= Transforms.log(Transforms.max(probabilities, 1e-12), false).muli(labels).sumNumber().doubleValue();
            INDArray predicted = probabilities.argMax(1);
            INDArray actual = labels.argMax(1);
            correct += predicted.eq(actual).castTo(DataType.INT).sumNumber().longValue();
            count += labels.rows();
        }
        return new double[] {loss / count, (double) correct / count};
    }
}
