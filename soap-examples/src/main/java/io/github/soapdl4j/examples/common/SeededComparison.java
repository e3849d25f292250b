package io.github.soapdl4j.examples.common;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The comparison every job runs: under {@link TimingConditions}, each optimizer trains once per seed (the order
 * alternating from seed to seed), each run's CSV files are written as it ends, and at the end one plot of all
 * runs and the closing table over the seeds ({@link Comparison#acrossSeeds}).
 */
public final class SeededComparison {
    /** The name of the run whose final held-out loss the others are measured against. */
    public static final String BASELINE = Optimizer.ADAM.label();

    /** One training run of a job. */
    @FunctionalInterface
    public interface Run {
        /** Trains the job's model with {@code optimizer} from {@code seed}; @return what was measured */
        RunRecord train(Optimizer optimizer, long seed) throws Exception;
    }

    private SeededComparison() {
    }

    /**
     * @param options the job's shared options (optimizers, seeds, learning rates, warm-up)
     * @param prefix  the job's file prefix
     * @param title   the heading of the tables (the plot's title is {@code prefix}, which fits)
     * @param warmUp  untimed steps on a throwaway model
     * @param run     one timed run
     * @param writer  where CSV and PNG files go
     * @param log     where the tables go
     * @return every seed's runs, in seed order, each seed's in the order of {@code --optimizers}
     */
    public static Map<Long, List<RunRecord>> run(JobOptions options, String prefix, String title,
                                                 TimingConditions.WarmUp warmUp, Run run, ResultsWriter writer,
                                                 PrintStream log) throws Exception {
        options.check();
        TimingConditions.establish();
        TimingConditions.warmUp(options.optimizers, options.warmupSteps, warmUp);
        Map<Long, List<RunRecord>> bySeed = new LinkedHashMap<>();
        for (int i = 0; i < options.seeds.size(); i++) {
            long seed = options.seeds.get(i);
            Map<Optimizer, RunRecord> runs = new LinkedHashMap<>();
            for (Optimizer o : TimingConditions.order(options.optimizers, i)) {
                log.printf("%n%s, seed %d, learning rate %s%n", o.label(), seed, options.learningRate(o));
                RunRecord record = run.train(o, seed);
                writer.writeCsv(ResultsWriter.seedPrefix(prefix, seed), record);
                runs.put(o, record);
            }
            List<RunRecord> inOrder = new ArrayList<>();
            options.optimizers.forEach(o -> inOrder.add(runs.get(o)));
            bySeed.put(seed, inOrder);
            if (runs.containsKey(Optimizer.ADAM)) {
                log.printf("%n%s, seed %d:%n", title, seed);
                log.print(Comparison.table(BASELINE, inOrder));
            }
        }
        File png = writer.writePlot(prefix, prefix, bySeed);
        log.printf("%n%s: closing table%n", title);
        log.print(Comparison.acrossSeeds(BASELINE, bySeed));
        log.println("Wrote " + png + " and the CSV files beside it.");
        return bySeed;
    }
}
