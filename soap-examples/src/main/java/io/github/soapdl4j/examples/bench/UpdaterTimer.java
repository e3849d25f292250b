package io.github.soapdl4j.examples.bench;

import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Times the updater alone: fresh random gradients go into the network's gradient view (untimed), then the
 * network's updater turns them into updates (timed), as in {@code fit()} minus forward and backward passes.
 * Call 0 is SOAP's first call (bases only); the Adam step of call {@code i} is {@code t = i}, and with the
 * default frequency {@code f} a refresh of every basis falls due on the steps with {@code t % f == 0} and runs at
 * the start of the next call, so the calls with {@code (i - 1) % f == 0} are the refresh steps.
 */
final class UpdaterTimer {
    /** Timings of the calls after warm-up, split by kind. */
    record Timings(List<Double> regular, List<Double> refresh) {
        List<Double> all() {
            List<Double> all = new ArrayList<>(regular);
            all.addAll(refresh);
            return all;
        }
    }

    private UpdaterTimer() {
    }

    /**
     * @param warmup    calls before timing starts (the first call and JIT warm-up)
     * @param timed     calls timed
     * @param frequency the precondition frequency, to classify refresh steps
     */
    static Timings time(MultiLayerNetwork net, int warmup, int timed, int frequency) {
        return time(net, warmup, timed, frequency, () -> { });
    }

    /** @param between run before each timed call's gradients are written (not part of the call's time) */
    static Timings time(MultiLayerNetwork net, int warmup, int timed, int frequency, Runnable between) {
        Map<Integer, List<Double>> byPhase = timeByPhase(net, warmup, timed, frequency, between);
        List<Double> regular = new ArrayList<>();
        byPhase.forEach((phase, ms) -> {
            if (phase != 0) {
                regular.addAll(ms);
            }
        });
        return new Timings(regular, byPhase.getOrDefault(0, List.of()));
    }

    /**
     * @return the timed calls grouped by the phase of the refresh they run: the Adam step before theirs, mod
     *         {@code frequency}
     */
    static Map<Integer, List<Double>> timeByPhase(MultiLayerNetwork net, int warmup, int timed, int frequency) {
        return timeByPhase(net, warmup, timed, frequency, () -> { });
    }

    private static Map<Integer, List<Double>> timeByPhase(MultiLayerNetwork net, int warmup, int timed,
                                                          int frequency, Runnable between) {
        INDArray grad = net.getFlattenedGradients();
        INDArray noise = Nd4j.create(DataType.FLOAT, grad.length());
        Map<Integer, List<Double>> byPhase = new TreeMap<>();
        Nd4j.getRandom().setSeed(12345);
        for (int call = 0; call < warmup + timed; call++) {
            if (call >= warmup) {
                between.run();
            }
            Nd4j.randn(noise);
            grad.assign(noise.reshape(grad.shape()).muli(1e-2));
            long start = System.nanoTime();
            net.getUpdater().update(net, new DefaultGradient(grad), call, 0, 1, LayerWorkspaceMgr.noWorkspaces());
            double ms = (System.nanoTime() - start) / 1e6;
            if (call >= warmup) {
                // Call 1 takes the first Adam step, after which no refresh has fallen due yet.
                int phase = call < 2 ? -1 : Math.floorMod(call - 1, frequency);
                byPhase.computeIfAbsent(phase, p -> new ArrayList<>()).add(ms);
            }
        }
        return byPhase;
    }
}
