package io.github.soapdl4j.examples.transformer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Batches of (window of {@code context} characters, the character after it) from one part of a corpus, as the
 * two-input {@link MultiDataSet} the {@link CharTransformer} takes: character indices {@code [b, 1, context]},
 * the position signal {@code [b, dModel, context]}, and the next character one-hot {@code [b, vocabulary]}.
 *
 * <p>The window starts are fixed when the iterator is made, so every optimizer trained from an iterator made
 * with the same arguments sees the same batches in the same order, and {@link #reset()} replays them.
 */
public final class CharWindowIterator implements MultiDataSetIterator {
    private final int[] text;
    private final int[] starts;
    private final int context;
    private final int batch;
    private final int vocabulary;
    private final INDArray positions;
    private int cursor;
    private MultiDataSetPreProcessor preProcessor;

    private CharWindowIterator(int[] text, int[] starts, int context, int batch, int vocabulary, int dModel) {
        if (text.length < context + 1) {
            throw new IllegalArgumentException("text of " + text.length + " characters is shorter than one window of "
                    + (context + 1));
        }
        this.text = text;
        this.starts = starts;
        this.context = context;
        this.batch = batch;
        this.vocabulary = vocabulary;
        this.positions = PositionalEncoding.sinusoid(dModel, context);
    }

    /** {@code steps} batches of windows drawn uniformly at random, with replacement, from the training part. */
    public static CharWindowIterator training(CharCorpus corpus, int steps, int batch, int context, int dModel,
                                              long seed) {
        int[] text = corpus.train();
        Random random = new Random(seed);
        int[] starts = new int[steps * batch];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = random.nextInt(text.length - context);
        }
        return new CharWindowIterator(text, starts, context, batch, corpus.vocabularySize(), dModel);
    }

    /** {@code windows} windows spread evenly over the whole validation part, the same at every evaluation. */
    public static CharWindowIterator validation(CharCorpus corpus, int windows, int batch, int context, int dModel) {
        int[] text = corpus.validation();
        int last = text.length - context - 1;
        int[] starts = new int[windows];
        for (int i = 0; i < windows; i++) {
            starts[i] = windows == 1 ? 0 : (int) ((long) i * last / (windows - 1));
        }
        return new CharWindowIterator(text, starts, context, batch, corpus.vocabularySize(), dModel);
    }

    @Override
    public boolean hasNext() {
        return cursor < starts.length;
    }

    @Override
    public MultiDataSet next() {
        return next(batch);
    }

    @Override
    public MultiDataSet next(int num) {
        int n = Math.min(num, starts.length - cursor);
        float[][][] chars = new float[n][1][context];
        float[][] next = new float[n][vocabulary];
        for (int b = 0; b < n; b++) {
            int start = starts[cursor + b];
            for (int t = 0; t < context; t++) {
                chars[b][0][t] = text[start + t];
            }
            next[b][text[start + context]] = 1;
        }
        cursor += n;
        MultiDataSet data = new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {Nd4j.create(chars), positions.broadcast(n, positions.size(1), context)},
                new INDArray[] {Nd4j.create(next)});
        if (preProcessor != null) {
            preProcessor.preProcess(data);
        }
        return data;
    }

    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false; // batches are cheap to make, and fixed order matters more than prefetching
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    /** @return the number of windows per pass */
    public int windows() {
        return starts.length;
    }
}
