package io.github.soapdl4j.examples.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The summary that answers "is SOAP worth it here": each run's final and best held-out loss and accuracy, its
 * training time, and the steps and training seconds it needed to reach the baseline's final held-out loss, as
 * fractions of the baseline's whole run. {@link #table} shows one seed; {@link #acrossSeeds} is a job's closing
 * table over all its seeds.
 */
public final class Comparison {
    private Comparison() {
    }

    /** @return the table of one seed's runs; {@code baseline} names the run whose final loss is the target */
    public static String table(String baseline, List<RunRecord> runs) {
        RunRecord base = find(baseline, runs);
        double target = base.last().loss();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Target: %s's final held-out loss %.4f after %d steps%n", baseline,
                target, base.last().iteration()));
        sb.append(String.format(Locale.ROOT, "%-12s %10s %9s %10s %8s %8s %9s %9s %10s %11s %11s%n", "run",
                "final loss", "accuracy", "best loss", "at step", "steps", "seconds", "steps to", "seconds to",
                "step ratio", "time ratio"));
        for (RunRecord r : runs) {
            RunRecord.Evaluation last = r.last();
            RunRecord.Evaluation best = r.best();
            RunRecord.Evaluation reach = r.firstReaching(target);
            sb.append(String.format(Locale.ROOT, "%-12s %10.4f %9s %10.4f %8d %8d %9.1f %9s %10s %11s %11s%n",
                    r.name(), last.loss(), accuracy(last.accuracy()), best.loss(), best.iteration(),
                    last.iteration(), last.seconds(),
                    reach == null ? "never" : Integer.toString(reach.iteration()),
                    reach == null ? "-" : String.format(Locale.ROOT, "%.1f", reach.seconds()),
                    ratio(stepRatio(r, base)), ratio(timeRatio(r, base))));
        }
        sb.append("step ratio, time ratio: steps and training seconds to the target over ").append(baseline)
                .append("'s whole run").append(System.lineSeparator());
        return sb.toString();
    }

    /**
     * The closing table of a job run with several seeds: per run name, the median and [min-max] over seeds of
     * final and best held-out loss, the step of the best, final accuracy and training seconds; then, for every
     * other run, per seed and as a median, the steps and seconds it needed to reach the baseline's final held-out
     * loss of the same seed, as ratios to the baseline's whole run. A run that never reaches it counts as
     * infinitely slow (so the median is "never" only if most seeds never reach it).
     *
     * @param baseline  the run whose final held-out loss is the target
     * @param runsBySeed every seed's runs, in seed order; each seed holds the same run names
     */
    public static String acrossSeeds(String baseline, Map<Long, List<RunRecord>> runsBySeed) {
        List<String> names = runsBySeed.values().iterator().next().stream().map(RunRecord::name).toList();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Over seeds %s: median [min-max]%n", runsBySeed.keySet()));
        sb.append(String.format(Locale.ROOT, "%-8s %-26s %-26s %-18s %-26s %-24s%n", "run", "final held-out loss",
                "best held-out loss", "step of best", "final accuracy", "training seconds"));
        for (String name : names) {
            List<RunRecord> runs = runsBySeed.values().stream().map(rs -> find(name, rs)).toList();
            sb.append(String.format(Locale.ROOT, "%-8s %-26s %-26s %-18s %-26s %-24s%n", name,
                    cell(runs, r -> r.last().loss(), "%.4f"), cell(runs, r -> r.best().loss(), "%.4f"),
                    cell(runs, r -> r.best().iteration(), "%.0f"), cell(runs, r -> r.last().accuracy(), "%.4f"),
                    cell(runs, r -> r.last().seconds(), "%.1f")));
        }
        if (!names.contains(baseline)) {
            return sb.toString();
        }
        for (String name : names) {
            if (name.equals(baseline)) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%n%s against %s's final held-out loss of the same seed:%n", name,
                    baseline));
            sb.append(String.format(Locale.ROOT, "%-8s %10s %10s %12s %12s %12s%n", "seed", "target", "steps to",
                    "step ratio", "seconds to", "time ratio"));
            List<Double> steps = new ArrayList<>();
            List<Double> stepRatios = new ArrayList<>();
            List<Double> seconds = new ArrayList<>();
            List<Double> timeRatios = new ArrayList<>();
            for (Map.Entry<Long, List<RunRecord>> seed : runsBySeed.entrySet()) {
                RunRecord base = find(baseline, seed.getValue());
                RunRecord run = find(name, seed.getValue());
                RunRecord.Evaluation reach = run.firstReaching(base.last().loss());
                steps.add(reach == null ? Double.POSITIVE_INFINITY : reach.iteration());
                seconds.add(reach == null ? Double.POSITIVE_INFINITY : reach.seconds());
                stepRatios.add(stepRatio(run, base));
                timeRatios.add(timeRatio(run, base));
                sb.append(String.format(Locale.ROOT, "%-8d %10.4f %10s %12s %12s %12s%n", seed.getKey(),
                        base.last().loss(), number(steps.get(steps.size() - 1), "%.0f"), ratio(stepRatios.get(
                        stepRatios.size() - 1)), number(seconds.get(seconds.size() - 1), "%.1f"),
                        ratio(timeRatios.get(timeRatios.size() - 1))));
            }
            sb.append(String.format(Locale.ROOT, "%-8s %10s %10s %12s %12s %12s%n", "median", "",
                    number(Stats.median(steps), "%.0f"), ratio(Stats.median(stepRatios)),
                    number(Stats.median(seconds), "%.1f"), ratio(Stats.median(timeRatios))));
        }
        sb.append("step ratio: steps to the target over ").append(baseline).append("'s steps; time ratio: "
                + "training seconds to the target over ").append(baseline).append("'s training seconds")
                .append(System.lineSeparator());
        return sb.toString();
    }

    /** @return steps {@code run} took to reach {@code base}'s final loss over {@code base}'s steps; inf if never */
    static double stepRatio(RunRecord run, RunRecord base) {
        RunRecord.Evaluation reach = run.firstReaching(base.last().loss());
        return reach == null ? Double.POSITIVE_INFINITY : (double) reach.iteration() / base.last().iteration();
    }

    /** @return seconds {@code run} trained to reach {@code base}'s final loss over {@code base}'s; inf if never */
    static double timeRatio(RunRecord run, RunRecord base) {
        RunRecord.Evaluation reach = run.firstReaching(base.last().loss());
        return reach == null ? Double.POSITIVE_INFINITY : reach.seconds() / base.last().seconds();
    }

    private static RunRecord find(String name, List<RunRecord> runs) {
        return runs.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("No run named '" + name + "' among " + runs.stream()
                        .map(RunRecord::name).toList()));
    }

    private static String cell(List<RunRecord> runs, ToDoubleFunction<RunRecord> value, String format) {
        List<Double> values = runs.stream().map(r -> value.applyAsDouble(r)).toList();
        if (values.stream().anyMatch(v -> Double.isNaN(v))) {
            return "-";
        }
        String median = String.format(Locale.ROOT, format, Stats.median(values));
        if (values.size() == 1) {
            return median;
        }
        return median + " [" + String.format(Locale.ROOT, format, Stats.min(values)) + "-"
                + String.format(Locale.ROOT, format, Stats.max(values)) + "]";
    }

    private static String number(double value, String format) {
        return Double.isInfinite(value) ? "never" : String.format(Locale.ROOT, format, value);
    }

    private static String ratio(double value) {
        return Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String accuracy(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.4f", value);
    }
}
