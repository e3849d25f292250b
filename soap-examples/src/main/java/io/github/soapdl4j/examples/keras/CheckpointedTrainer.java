package io.github.soapdl4j.examples.keras;

import io.github.soapdl4j.examples.common.RunRecord;
import io.github.soapdl4j.examples.common.Trainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Trains a classifier for some epochs and, once, interrupts itself: after a chosen step it writes the network
 * with {@link ModelSerializer} (updater state included), reads it back, and trains the restored network from then
 * on, as a job resumed from a checkpoint would. It records the training loss of every step and the held-out loss
 * and accuracy (from {@link Trainer#lossAndAccuracy}) before training and after every epoch.
 *
 * <p>Unlike {@link Trainer}, which evaluates every few steps, it evaluates once per epoch, and it must be able to
 * swap the network it trains mid-epoch. Time spent fetching batches, evaluating and checkpointing is not counted
 * as training time.
 */
public final class CheckpointedTrainer {
    /** What a run measured, and the network it ended with (the restored one, if it checkpointed). */
    public record Result(RunRecord record, MultiLayerNetwork network) {
    }

    private final int checkpointAt;
    private final File checkpoint;
    private final PrintStream log;

    /**
     * @param checkpointAt the step after which to checkpoint and restore; 0 never does
     * @param checkpoint   the file the checkpoint is written to
     * @param log          where progress lines go
     */
    public CheckpointedTrainer(int checkpointAt, File checkpoint, PrintStream log) {
        this.checkpointAt = checkpointAt;
        this.checkpoint = checkpoint;
        this.log = log;
    }

    /** Trains {@code net} on {@code train} for {@code epochs} epochs, evaluating on {@code test}. */
    public Result train(String name, MultiLayerNetwork net, DataSetIterator train, DataSetIterator test, int epochs)
            throws IOException {
        RunRecord record = new RunRecord(name);
        MultiLayerNetwork current = net;
        long nanos = 0;
        int step = 0;
        report(record, current, test, 0, 0, 0);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            for (train.reset(); train.hasNext(); ) {
                DataSet batch = train.next();
                long before = System.nanoTime();
                current.fit(batch);
                nanos += System.nanoTime() - before;
                record.addStep(++step, current.score(), nanos / 1e9);
                if (step == checkpointAt) {
                    current = writeAndRestore(current, name, step);
                }
            }
            report(record, current, test, step, epoch, nanos / 1e9);
        }
        return new Result(record, current);
    }

    private MultiLayerNetwork writeAndRestore(MultiLayerNetwork net, String name, int step) throws IOException {
        ModelSerializer.writeModel(net, checkpoint, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(checkpoint, true);
        log.printf(Locale.ROOT, "%s: checkpointed after step %d to %s (%d KB) and restored; training goes on with "
                + "the restored network%n", name, step, checkpoint.getName(), checkpoint.length() / 1024);
        return restored;
    }

    private void report(RunRecord record, MultiLayerNetwork net, DataSetIterator test, int step, int epoch,
                        double seconds) {
        double[] lossAndAccuracy = Trainer.lossAndAccuracy(net, test);
        record.addEvaluation(step, epoch, lossAndAccuracy[0], lossAndAccuracy[1], seconds);
        log.printf(Locale.ROOT, "%s: after epoch %d (step %d, %.1fs training): held-out loss %.4f, accuracy %.4f%n",
                record.name(), epoch, step, seconds, lossAndAccuracy[0], lossAndAccuracy[1]);
    }
}
