package io.github.soapdl4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses, for {@link Soap#isStaggerRefreshes() staggered} configurations, the phase of each layer's first
 * factor so that the refresh work of the whole network is spread evenly over the steps of a period. A factor of
 * size {@code d} costs about {@code d^3} to refresh (the QR decomposition and two products dominate); layers are
 * placed greedily, in network order, where the work per step ends up most even.
 */
final class RefreshScheduler {
    /** Refresh work already placed on each phase, per precondition frequency. */
    private final Map<Integer, double[]> load = new HashMap<>();

    /** @return {@code bound} with the phase that balances the work best, after recording its work */
    Soap place(Soap bound) {
        if (!bound.isStaggerRefreshes()) {
            return bound;
        }
        double[] phases = load.computeIfAbsent(bound.getPreconditionFrequency(), f -> new double[f]);
        List<Double> costs = costs(bound);
        // The sum of squared loads: it falls whenever work moves from a busy step to a quieter one, so unlike
        // the peak alone it prefers empty steps even when an earlier layer fixed the peak.
        int best = 0;
        double bestSpread = Double.POSITIVE_INFINITY;
        for (int start = 0; start < phases.length; start++) {
            double[] trial = phases.clone();
            add(trial, bound.getPreconditionFrequency(), start, costs);
            double spread = 0;
            for (double p : trial) {
                spread += p * p;
            }
            if (spread < bestSpread) {
                bestSpread = spread;
                best = start;
            }
        }
        add(phases, bound.getPreconditionFrequency(), best, costs);
        return bound.withRefreshPhase(best);
    }

    /** Records the work of a configuration that is already placed. */
    void account(Soap placed) {
        if (placed.isStaggerRefreshes()) {
            add(load.computeIfAbsent(placed.getPreconditionFrequency(), f -> new double[f]),
                    placed.getPreconditionFrequency(), placed.getRefreshPhase(), costs(placed));
        }
    }

    /** Adds the work of factors 0, 1, .. to the steps that {@link RefreshSchedule} refreshes them on. */
    private static void add(double[] phases, int frequency, int start, List<Double> costs) {
        RefreshSchedule schedule = new RefreshSchedule(frequency, true, start);
        for (int i = 0; i < costs.size(); i++) {
            phases[schedule.phase(i)] += costs.get(i);
        }
    }

    private static List<Double> costs(Soap soap) {
        List<Double> costs = new ArrayList<>();
        for (ParamLayout p : soap.getLayout()) {
            PreconditionedShape s = soap.shapeOf(p);
            for (int k = 0; k < s.rank(); k++) {
                if (s.isPreconditioned(k)) {
                    costs.add(Math.pow(s.dim(k), 3));
                }
            }
        }
        return costs;
    }
}
