package io.github.soapdl4j.examples.mnist;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.datasets.iterator.impl.MnistDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/**
 * Finds the IDX files of MNIST or Fashion-MNIST and opens them with Deeplearning4j's {@link MnistDataSetIterator}.
 *
 * <p>{@code MnistDataSetIterator} reads the four uncompressed files, under their MNIST names, directly from the
 * directory it is given, and downloads MNIST only when they are missing (it checks no checksum on files that
 * exist). Fashion-MNIST uses the same names and format, so a directory holding its files loads the same way.
 * Debian's {@code dataset-fashion-mnist} installs them gzipped under {@link #DEBIAN_FASHION}; they are
 * unpacked once into a cache directory.
 */
public final class MnistData {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the gzipped files. */
    public static final File DEBIAN_FASHION = new File("/usr/share/datasets/fashion-mnist");
    static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"};

    /** The two data sets this job knows. */
    public enum Dataset { FASHION, MNIST }

    private final File directory;

    private MnistData(File directory) {
        this.directory = directory;
    }

    /**
     * @param dataset which data set
     * @param dataDir a directory holding the four uncompressed IDX files, or null to find them
     * @return the data, ready to iterate
     * @throws IOException when the files are missing or unreadable; the message says how to get them
     */
    public static MnistData locate(Dataset dataset, File dataDir) throws IOException {
        if (dataDir != null) {
            requireFiles(dataDir, "--data-dir " + dataDir);
            return new MnistData(dataDir);
        }
        if (dataset == Dataset.MNIST) {
            // DL4J's own place; MnistDataSetIterator downloads into it when online.
            return new MnistData(DL4JResources.getBaseDirectory());
        }
        File cache = new File(DL4JResources.getBaseDirectory(), "fashion-mnist");
        if (!hasFiles(cache)) {
            if (!new File(DEBIAN_FASHION, FILES[0] + ".gz").isFile()) {
                throw new IOException("Fashion-MNIST not found. Either install Debian's package "
                        + "(sudo apt-get install -y dataset-fashion-mnist, which puts it under " + DEBIAN_FASHION
                        + "), or pass --data-dir with the four uncompressed IDX files, or run online with "
                        + "--dataset mnist, which Deeplearning4j downloads itself.");
            }
            unpack(DEBIAN_FASHION, cache);
        }
        return new MnistData(cache);
    }

    /**
     * @param train      the training or the test split
     * @param batchSize  examples per minibatch
     * @param limit      at most this many examples (the first ones of a fixed shuffle)
     * @param seed       the shuffle's seed
     */
    public DataSetIterator iterator(boolean train, int batchSize, int limit, long seed) throws IOException {
        int available = train ? 60_000 : 10_000;
        return new MnistDataSetIterator(batchSize, Math.min(limit, available), false, train, true, seed, directory);
    }

    /** @return the directory the files are read from */
    public File directory() {
        return directory;
    }

    private static boolean hasFiles(File dir) {
        for (String f : FILES) {
            if (!new File(dir, f).isFile()) {
                return false;
            }
        }
        return true;
    }

    private static void requireFiles(File dir, String origin) throws IOException {
        if (!hasFiles(dir)) {
            throw new IOException(origin + " must hold the uncompressed files " + String.join(", ", FILES));
        }
    }

    private static void unpack(File from, File to) throws IOException {
        Files.createDirectories(to.toPath());
        for (String f : FILES) {
            File target = new File(to, f);
            File partial = new File(to, f + ".partial");
            try (InputStream in = new GZIPInputStream(new FileInputStream(new File(from, f + ".gz")))) {
                Files.copy(in, partial.toPath(), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(partial.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
