package io.github.soapdl4j.examples.common;

import java.util.ArrayList;
import java.util.List;

/** What one training run measured: the training loss per step and the held-out loss at each evaluation. */
public final class RunRecord {
    /** One training step. */
    public record Step(int iteration, double loss, double seconds) {
    }

    /** One evaluation on held-out data; {@code accuracy} is NaN where it does not apply. */
    public record Evaluation(int iteration, int epoch, double loss, double accuracy, double seconds) {
    }

    private final String name;
    private final List<Step> steps = new ArrayList<>();
    private final List<Evaluation> evaluations = new ArrayList<>();

    public RunRecord(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public List<Step> steps() {
        return steps;
    }

    public List<Evaluation> evaluations() {
        return evaluations;
    }

    public void addStep(int iteration, double loss, double seconds) {
        steps.add(new Step(iteration, loss, seconds));
    }

    public void addEvaluation(int iteration, int epoch, double loss, double accuracy, double seconds) {
        evaluations.add(new Evaluation(iteration, epoch, loss, accuracy, seconds));
    }

    /** @return the last evaluation, or null before the first */
    public Evaluation last() {
        return evaluations.isEmpty() ? null : evaluations.get(evaluations.size() - 1);
    }

    /** @return the evaluation with the lowest held-out loss (the earliest of equals), or null before the first */
    public Evaluation best() {
        Evaluation best = null;
        for (Evaluation e : evaluations) {
            if (best == null || e.loss() < best.loss()) {
                best = e;
            }
        }
        return best;
    }

    /** @return the first evaluation whose loss is at most {@code target}, or null if none is */
    public Evaluation firstReaching(double target) {
        for (Evaluation e : evaluations) {
            if (e.loss() <= target) {
                return e;
            }
        }
        return null;
    }
}
