package io.github.soapdl4j.examples.common;

import picocli.CommandLine.Option;

import java.util.List;

/** The options of a tuning sweep, a picocli mixin of the jobs that have one. */
public final class SweepOptions {
    @Option(names = "--sweep", split = ",", description = "instead of one comparison, train every optimizer at "
            + "each of these learning rates (times each --sweep-weight-decay) for every seed, and tabulate "
            + "final and best held-out loss, e.g. 1e-3,3e-3,1e-2")
    public List<Double> learningRates;

    @Option(names = "--sweep-weight-decay", split = ",", description = "with --sweep: the weight decays to try "
            + "with each learning rate, the same for every optimizer (default: --weight-decay alone)")
    public List<Double> weightDecays;

    /** @return whether a sweep was asked for */
    public boolean active() {
        return learningRates != null && !learningRates.isEmpty();
    }

    /** @return the weight decays of the grid: those given, or {@code single} */
    public List<Double> weightDecays(double single) {
        return weightDecays == null || weightDecays.isEmpty() ? List.of(single) : weightDecays;
    }
}
