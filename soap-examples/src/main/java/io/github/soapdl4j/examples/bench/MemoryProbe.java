package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.SoapStats;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.List;

/** Updater state against the README's formula, and memory growth over many steps. */
final class MemoryProbe {
    /** One parameter's state: cells DL4J allocated for it, and the formula's count. */
    record ParamState(String name, long length, long cells, long formula) {
    }

    /** Heap and off-heap bytes at two points of a long run. */
    record Growth(int firstStep, int lastStep, long heapFirst, long heapLast, long offHeapFirst, long offHeapLast,
                  long rssFirst, long rssLast) {
    }

    private MemoryProbe() {
    }

    /** Per SOAP parameter: the cells {@code stateSize} gave it and {@code 5 + 2n + sum_k 2 d_k^2}. */
    static List<ParamState> state(MultiLayerNetwork net) {
        List<ParamState> out = new ArrayList<>();
        for (ParameterStats p : SoapStats.of(net)) {
            long n = p.getLayout().length();
            long formula = 5 + 2 * n;
            for (ParameterStats.FactorStats f : p.getFactors()) {
                formula += 2L * f.getDim() * f.getDim();
            }
            Layer layer = findLayer(net, p.getLayerName());
            IUpdater u = layer.getConfig().getUpdaterByParam(p.getParamName());
            out.add(new ParamState(p.getLayerName() + "/" + p.getParamName(), n, u.stateSize(n), formula));
        }
        return out;
    }

    /** Runs {@code steps} updater calls, sampling memory after {@code first} and at the end. */
    static Growth growth(MultiLayerNetwork net, int first, int steps, int frequency) {
        UpdaterTimer.time(net, 0, first, frequency);
        long heapFirst = usedHeap();
        long offFirst = Pointer.totalBytes();
        long rssFirst = Pointer.physicalBytes();
        UpdaterTimer.time(net, 0, steps - first, frequency);
        return new Growth(first, steps, heapFirst, usedHeap(), offFirst, Pointer.totalBytes(), rssFirst,
                Pointer.physicalBytes());
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static Layer findLayer(MultiLayerNetwork net, String name) {
        for (Layer l : net.getLayers()) {
            if (name.equals(l.getConfig().getLayerName())) {
                return l;
            }
        }
        throw new IllegalArgumentException("No layer " + name);
    }
}
