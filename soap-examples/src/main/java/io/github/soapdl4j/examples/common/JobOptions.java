package io.github.soapdl4j.examples.common;

import io.github.soapdl4j.Soap;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.List;

/**
 * The options every comparison job shares, as one picocli mixin: which optimizers, their learning rates, the
 * seeds, the untimed warm-up and the output directory. Each job creates it with its own defaults.
 *
 * <p>Outputs go under {@code target/} by default, so that running a job never rewrites the reference results
 * committed under {@code soap-examples/results/}; those are regenerated on purpose with {@code --out}.
 */
public final class JobOptions {
    @Option(names = "--optimizers", split = ",", converter = Optimizer.Converter.class,
            description = "which of soap,adam to run, in this order for the first seed (default: soap,adam)")
    public List<Optimizer> optimizers = List.of(Optimizer.SOAP, Optimizer.ADAM);

    @Option(names = "--seeds", split = ",", description = "seeds of initialization and data order; each "
            + "optimizer trains once per seed (default: ${DEFAULT-VALUE})")
    public List<Long> seeds;

    @Option(names = "--soap-lr", description = "SOAP's learning rate (default: ${DEFAULT-VALUE})")
    public double soapLr;

    @Option(names = "--adam-lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    public double adamLr;

    @Option(names = "--warmup-steps", description = "untimed training steps of each optimizer on a throwaway "
            + "model before the first timed run (default: ${DEFAULT-VALUE}, past SOAP's first basis refresh)")
    public int warmupSteps = new Soap().getPreconditionFrequency() + 1;

    @Option(names = "--out", description = "output directory for CSV, PNG and other files "
            + "(default: ${DEFAULT-VALUE})")
    public File out;

    /**
     * @param job    the job's name: its default output directory is {@code target/results/<job>}
     * @param soapLr SOAP's default learning rate
     * @param adamLr Adam's default learning rate
     * @param seeds  the default seeds
     */
    public JobOptions(String job, double soapLr, double adamLr, List<Long> seeds) {
        this.out = defaultOut(job);
        this.soapLr = soapLr;
        this.adamLr = adamLr;
        this.seeds = seeds;
    }

    /** @return {@code target/results/<job>}, relative to the working directory */
    public static File defaultOut(String job) {
        return new File(new File("target", "results"), job);
    }

    /** @return the learning rate given for {@code optimizer} */
    public double learningRate(Optimizer optimizer) {
        return optimizer == Optimizer.SOAP ? soapLr : adamLr;
    }

    /** @throws IllegalArgumentException naming the option when a list is empty or a seed repeats */
    public void check() {
        if (optimizers.isEmpty()) {
            throw new IllegalArgumentException("--optimizers is empty: name at least one of " + Optimizer.names());
        }
        if (optimizers.stream().distinct().count() < optimizers.size()) {
            throw new IllegalArgumentException("--optimizers names an optimizer twice: " + optimizers);
        }
        if (seeds.isEmpty() || seeds.stream().distinct().count() < seeds.size()) {
            throw new IllegalArgumentException("--seeds must name at least one seed, each once: " + seeds);
        }
    }
}
