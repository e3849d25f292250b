package io.github.soapdl4j.tests;

import io.github.soapdl4j.ParameterStats;
import io.github.soapdl4j.Soap;
import io.github.soapdl4j.SoapStats;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 10,000 training steps of a small network with frequent refreshes: the loss and the state stay finite, no step
 * is skipped and no decomposition fails, and neither the heap (after collection) nor ND4J's off-heap memory
 * climbs from the first half of the run to the second.
 */
class SoakTest {
    private static final int STEPS = 10_000;
    private static final int SAMPLE_EVERY = 1_000;
    /**
     * Allowed growth between the halves of the run (5,000 steps apart). Measured: 30 KB of heap over 9,000 steps
     * and no off-heap change; a leak of 1 KB per step would add 5 MB.
     */
    private static final long HEAP_SLACK = 4L << 20;
    private static final long OFF_HEAP_SLACK = 1L << 20;

    @Test
    void tenThousandStepsStayFiniteWithoutMemoryGrowth() {
        MultiLayerNetwork net = TestNets.mlp(Soap.builder().learningRate(3e-3).preconditionFrequency(5).build(),
                DataType.FLOAT);
        List<DataSet> data = TestNets.classification(50, 32, 11, DataType.FLOAT);
        List<Long> heap = new ArrayList<>();
        List<Long> offHeap = new ArrayList<>();
        for (int step = 1; step <= STEPS; step++) {
            net.fit(data.get(step % data.size()));
            assertTrue(Double.isFinite(net.score()), "loss at step " + step);
            if (step % SAMPLE_EVERY == 0) {
                heap.add(usedHeap());
                offHeap.add(Pointer.totalBytes());
            }
        }
        assertTrue(TestNets.allFinite(net.params()) && TestNets.allFinite(TestNets.updaterState(net)));
        for (ParameterStats p : SoapStats.of(net)) {
            assertEquals(STEPS - 1, p.getSteps(), p.toString());
            assertEquals(0, p.getSkippedSteps() + p.getFailedDecompositions() + p.getRepairedBases(), p.toString());
        }
        long heapGrowth = growth(heap);
        long offHeapGrowth = growth(offHeap);
        System.out.printf("Soak: %d steps, heap samples %s, off-heap samples %s%n", STEPS, heap, offHeap);
        assertTrue(heapGrowth < HEAP_SLACK, "heap grew by " + heapGrowth + " bytes: " + heap);
        assertTrue(offHeapGrowth < OFF_HEAP_SLACK, "off-heap memory grew by " + offHeapGrowth + " bytes: " + offHeap);
    }

    /**
     * The least sample of the later half minus the least of the earlier half. A leak climbs steadily and raises
     * every sample, the least ones too; garbage that is still reachable for a moment when a sample is taken (in
     * the full suite, samples 10-27 MB above a floor that stayed within 12 KB over 9,000 steps were measured)
     * raises single samples only.
     */
    private static long growth(List<Long> samples) {
        int half = samples.size() / 2;
        long early = samples.subList(0, half).stream().mapToLong(Long::longValue).min().orElse(0);
        long late = samples.subList(samples.size() - half, samples.size()).stream().mapToLong(Long::longValue)
                .min().orElse(0);
        return late - early;
    }

    /**
     * Heap in use after collection. ND4J's arrays reach their native memory through JavaCPP pointers that are
     * freed by a reference queue after a collection, and the Java objects go only at a later one: several
     * rounds with pauses, and the least of them, measure what is really held.
     */
    private static long usedHeap() {
        long least = Long.MAX_VALUE;
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            least = Math.min(least, r.totalMemory() - r.freeMemory());
        }
        return least;
    }
}
