package io.github.soapdl4j.examples.common;

import io.github.soapdl4j.Soap;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import picocli.CommandLine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The optimizers the jobs compare. Every job parses {@code --optimizers} into these, so a name that is not here
 * stops the job with a message listing the valid ones instead of training some other optimizer under that name.
 */
public enum Optimizer {
    SOAP {
        @Override
        public IUpdater updater(double learningRate) {
            return new Soap(learningRate);
        }
    },
    ADAM {
        @Override
        public IUpdater updater(double learningRate) {
            return new Adam(learningRate);
        }
    };

    /** @return a fresh updater configuration at a constant {@code learningRate} */
    public abstract IUpdater updater(double learningRate);

    /** @return the lower-case name used in run names, file names and on the command line */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the valid names, comma-separated, as the command line takes them */
    public static String names() {
        return Arrays.stream(values()).map(Optimizer::label).collect(Collectors.joining(", "));
    }

    /**
     * @return the optimizer called {@code name}, in any case
     * @throws IllegalArgumentException naming the valid optimizers when there is none of that name
     */
    public static Optimizer parse(String name) {
        for (Optimizer o : values()) {
            if (o.label().equalsIgnoreCase(name.trim())) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown optimizer '" + name + "': use one of " + names());
    }

    /** Picocli's converter for {@code --optimizers}: {@link #parse}, its message shown to the user. */
    public static final class Converter implements CommandLine.ITypeConverter<Optimizer> {
        @Override
        public Optimizer convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
