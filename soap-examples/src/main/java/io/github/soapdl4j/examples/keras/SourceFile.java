package io.github.soapdl4j.examples.keras;

import io.github.soapdl4j.examples.mnist.MnistData;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The Keras file the job fine-tunes when it is given none: the {@link SourceModel}, written with
 * {@link KerasHdf5Writer} and checked by importing it back.
 */
public final class SourceFile {
    /** The file's name in the output directory. */
    public static final String NAME = "source-fashion-classes-0-4.h5";
    /** The largest difference between the written and the imported model's outputs the job accepts. */
    static final double TOLERANCE = 1e-6;

    private SourceFile() {
    }

    /**
     * Trains the source model, writes it to {@code file} and imports it back.
     *
     * @return {@code file}
     * @throws IllegalStateException when the imported model's outputs differ from the written one's
     */
    public static File write(MnistData data, File file, int limit, int epochs, long seed, PrintStream log)
            throws Exception {
        MultiLayerNetwork source = SourceModel.train(data, limit, epochs, seed, log);
        KerasHdf5Writer.write(source, file);
        MultiLayerNetwork imported = KerasModelImport.importKerasSequentialModelAndWeights(file.getPath());
        INDArray input = data.iterator(false, 500, 500, seed).next().getFeatures();
        double difference = KerasFineTuneExample.maxAbsDiff(source.output(input), imported.output(input));
        log.printf(Locale.ROOT, "Wrote %s (Keras %s HDF5, %d KB); imported back, its outputs differ from the "
                + "source model's by at most %.2e%n", file, KerasHdf5Writer.KERAS_VERSION, file.length() / 1024,
                difference);
        if (!(difference <= TOLERANCE)) {
            throw new IllegalStateException("The model imported from " + file + " differs from the one written, by "
                    + difference);
        }
        return file;
    }
}
