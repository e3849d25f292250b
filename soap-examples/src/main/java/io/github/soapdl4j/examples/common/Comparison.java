package io.github.soapdl4j.examples.common;

import java.util.List;
import java.util.Locale;

/**
 * The summary that answers "is SOAP worth it here": for each run, its final held-out loss and accuracy, its
 * training time, the steps and seconds it needed to reach the baseline's final held-out loss, and those as
 * fractions of the baseline's whole run (its steps and its training seconds).
 */
public final class Comparison {
    private Comparison() {
    }

    /** @return the table as text; {@code baseline} names the run whose final loss is the target */
    public static String table(String baseline, List<RunRecord> runs) {
        RunRecord base = runs.stream().filter(r -> r.name().equals(baseline)).findFirst().orElseThrow();
        double target = base.last().loss();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Target: %s's final held-out loss %.4f after %d steps%n", baseline,
                target, base.last().iteration()));
        sb.append(String.format(Locale.ROOT, "%-12s %10s %9s %8s %9s %10s %11s %12s %12s%n", "run", "final loss",
                "accuracy", "steps", "seconds", "steps to", "seconds to", "step ratio", "time ratio"));
        RunRecord.Evaluation baseEnd = base.last();
        for (RunRecord r : runs) {
            RunRecord.Evaluation last = r.last();
            RunRecord.Evaluation reach = r.firstReaching(target);
            sb.append(String.format(Locale.ROOT, "%-12s %10.4f %9.4f %8d %9.1f %10s %11s %12s %12s%n", r.name(),
                    last.loss(), last.accuracy(), last.iteration(), last.seconds(),
                    reach == null ? "never" : Integer.toString(reach.iteration()),
                    reach == null ? "-" : String.format(Locale.ROOT, "%.1f", reach.seconds()),
                    reach == null ? "-" : String.format(Locale.ROOT, "%.2f",
                            (double) reach.iteration() / baseEnd.iteration()),
                    reach == null ? "-" : String.format(Locale.ROOT, "%.2f", reach.seconds() / baseEnd.seconds())));
        }
        sb.append("step ratio, time ratio: steps and training seconds to the target over ").append(baseline)
                .append("'s whole run").append(System.lineSeparator());
        return sb.toString();
    }
}
