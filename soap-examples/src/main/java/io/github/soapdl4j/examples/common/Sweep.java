package io.github.soapdl4j.examples.common;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A tuning sweep with the same budget for every optimizer: each trains at every learning rate times every
 * weight decay of the grid, for every seed, with the same epochs or steps, under {@link TimingConditions}. The
 * table gives, per optimizer and setting, the median over seeds of the final and the best held-out loss (and the
 * step of the best), final accuracy and training seconds, and marks each optimizer's lowest final held-out loss.
 */
public final class Sweep {
    /** One training run of the sweep. */
    @FunctionalInterface
    public interface Run {
        /** @return what training the job's model with these settings measured */
        RunRecord train(Optimizer optimizer, double learningRate, double weightDecay, long seed) throws Exception;
    }

    /** One setting of one optimizer and its runs, one per seed. */
    public record Cell(Optimizer optimizer, double learningRate, double weightDecay, List<RunRecord> runs) {
        double median(java.util.function.ToDoubleFunction<RunRecord> value) {
            return Stats.median(runs.stream().map(r -> value.applyAsDouble(r)).toList());
        }
    }

    private Sweep() {
    }

    /**
     * Runs the grid, prints its table to {@code log} and writes every run's figures to
     * {@code <prefix>-sweep.csv}.
     *
     * @return the cells, optimizer by optimizer in the order of {@code --optimizers}, then learning rate, then
     *         weight decay
     */
    public static List<Cell> run(JobOptions options, List<Double> learningRates, List<Double> weightDecays,
                                 String prefix, String heading, TimingConditions.WarmUp warmUp, Run run,
                                 ResultsWriter writer, PrintStream log) throws Exception {
        options.check();
        TimingConditions.establish();
        TimingConditions.warmUp(options.optimizers, options.warmupSteps, warmUp);
        List<Cell> cells = new ArrayList<>();
        for (Optimizer o : options.optimizers) {
            for (double lr : learningRates) {
                for (double wd : weightDecays) {
                    cells.add(new Cell(o, lr, wd, new ArrayList<>()));
                }
            }
        }
        int settings = learningRates.size() * weightDecays.size();
        for (int s = 0; s < options.seeds.size(); s++) {
            long seed = options.seeds.get(s);
            for (int setting = 0; setting < settings; setting++) {
                // Which optimizer trains first alternates from setting to setting and from seed to seed.
                for (Optimizer o : TimingConditions.order(options.optimizers, s + setting)) {
                    Cell cell = cells.get(options.optimizers.indexOf(o) * settings + setting);
                    log.printf(Locale.ROOT, "%n%s, seed %d, learning rate %s, weight decay %s%n", o.label(), seed,
                            cell.learningRate(), cell.weightDecay());
                    cell.runs().add(run.train(o, cell.learningRate(), cell.weightDecay(), seed));
                }
            }
        }
        log.printf(Locale.ROOT, "%n%s, seeds %s (medians over seeds; * marks each optimizer's lowest final "
                + "held-out loss):%n", heading, options.seeds);
        log.printf(Locale.ROOT, "%-6s %8s %12s %11s %11s %13s %10s %9s%n", "run", "lr", "weight decay", "final loss",
                "best loss", "step of best", "accuracy", "seconds");
        List<String> csv = new ArrayList<>();
        csv.add("optimizer,learning_rate,weight_decay,seed,final_loss,final_accuracy,best_loss,best_step,seconds");
        for (Optimizer o : options.optimizers) {
            List<Cell> mine = cells.stream().filter(c -> c.optimizer() == o).toList();
            double lowest = mine.stream().mapToDouble(c -> c.median(r -> r.last().loss())).min().orElseThrow();
            for (Cell c : mine) {
                double finalLoss = c.median(r -> r.last().loss());
                log.printf(Locale.ROOT, "%-6s %8s %12s %10.4f%s %11.4f %13.0f %10.4f %9.1f%n", o.label(),
                        c.learningRate(), c.weightDecay(), finalLoss, finalLoss == lowest ? "*" : " ",
                        c.median(r -> r.best().loss()), c.median(r -> r.best().iteration()),
                        c.median(r -> r.last().accuracy()), c.median(r -> r.last().seconds()));
                for (int s = 0; s < c.runs().size(); s++) {
                    RunRecord r = c.runs().get(s);
                    csv.add(String.format(Locale.ROOT, "%s,%s,%s,%d,%.6f,%.4f,%.6f,%d,%.2f", o.label(),
                            c.learningRate(), c.weightDecay(), options.seeds.get(s), r.last().loss(),
                            r.last().accuracy(), r.best().loss(), r.best().iteration(), r.last().seconds()));
                }
            }
        }
        log.println("Wrote " + writer.writeLines(prefix + "-sweep.csv", csv));
        return cells;
    }
}
