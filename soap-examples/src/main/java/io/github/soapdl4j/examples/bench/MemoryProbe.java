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

    /** Heap (after GC) and ND4J off-heap bytes sampled at evenly spaced calls of a long run. */
    record Growth(List<Integer> calls, List<Long> heap, List<Long> offHeap) {
        long heapGrowth() {
            return heap.get(heap.size() - 1) - heap.get(0);
        }

        long offHeapGrowth() {
            return offHeap.get(offHeap.size() - 1) - offHeap.get(0);
        }
    }

    private MemoryProbe() {
    }

    /** Per SOAP parameter: the cells {@code stateSize} gave it and {@code 13 + 2n + sum_k 2 d_k^2}. */
    static List<ParamState> state(MultiLayerNetwork net) {
        List<ParamState> out = new ArrayList<>();
        for (ParameterStats p : SoapStats.of(net)) {
            long n = p.getLayout().length();
            long formula = 13 + 2 * n;
            for (ParameterStats.FactorStats f : p.getFactors()) {
                formula += 2L * f.getDim() * f.getDim();
            }
            Layer layer = findLayer(net, p.getLayerName());
            IUpdater u = layer.getConfig().getUpdaterByParam(p.getParamName());
            out.add(new ParamState(p.getLayerName() + "/" + p.getParamName(), n, u.stateSize(n), formula));
        }
        return out;
    }

    /**
     * Runs {@code steps} updater calls and samples memory after {@code first} calls and then at {@code samples - 1}
     * evenly spaced points up to the end. A single pair of samples is at the mercy of when the collector ran;
     * a series shows whether memory climbs or only wobbles.
     */
    static Growth growth(MultiLayerNetwork net, int first, int steps, int frequency, int samples) {
        List<Integer> calls = new ArrayList<>();
        List<Long> heap = new ArrayList<>();
        List<Long> offHeap = new ArrayList<>();
        int done = 0;
        for (int i = 0; i < samples; i++) {
            int target = first + (int) ((long) (steps - first) * i / (samples - 1));
            UpdaterTimer.time(net, 0, target - done, frequency);
            done = target;
            calls.add(done);
            heap.add(usedHeap());
            offHeap.add(Pointer.totalBytes());
        }
        return new Growth(calls, heap, offHeap);
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
