package io.github.soapdl4j;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The column order of a refresh (docs/algorithm.md §4 step 2) against its definition: indices by descending
 * estimated eigenvalue in {@link Double#compare}'s order, equal values in index order, as a stable sort of boxed
 * indices gives it.
 */
class DescendingOrderTest {
    private static int[] definition(double[] values) {
        return IntStream.range(0, values.length).boxed()
                .sorted((i, j) -> Double.compare(values[j], values[i]))
                .mapToInt(Integer::intValue).toArray();
    }

    @Test
    void ordersAsAStableDescendingSort() {
        Random random = new Random(11);
        double[] specials = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300};
        for (int n : new int[] {0, 1, 2, 3, 5, 8, 13, 64, 100, 784, 1025}) {
            for (int trial = 0; trial < 6; trial++) {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    // Trials 0-1 distinct values, 2-3 many ties, 4 special values mixed in, 5 already sorted.
                    values[i] = trial < 2 ? random.nextGaussian()
                            : trial < 4 ? random.nextInt(4)
                            : trial == 4 && random.nextInt(3) == 0 ? specials[random.nextInt(specials.length)]
                            : trial == 4 ? random.nextGaussian() : n - i;
                }
                int[] idx = new int[n];
                int[] buffer = new int[n + 3];
                assertArrayEquals(definition(values), BasisRefresh.descendingOrder(values, idx, buffer),
                        "n = " + n + ", trial " + trial);
            }
        }
    }
}
