package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fingerprint of one parameter's eigenbases, kept in its state header ({@link StateLayout#BASIS_TAG}) so that
 * element-wise averaging of the state across workers (ParallelWrapper, Spark) is noticed at the cost of reading
 * {@code 2 * TAG_PAIRS} cells per step instead of a pass over every basis.
 *
 * <p>The tag is {@link StateLayout#TAG_PAIRS} numbers {@code x} in [1, 2) hashed from the bit patterns of a few
 * entries of every basis, each stored with its square. Identical bases give identical tags, and averaging
 * identical cells changes nothing (to rounding). Averaging workers whose bases differ averages different tags: a
 * stored square becomes the mean of the squares, which exceeds the square of the mean by the variance of that
 * number across the workers. Float32 cells resolve the variance only when the numbers differ by more than about
 * 4e-3, so one pair misses a divergence with odds of 0.4%, too often over thousands of averaging rounds (a
 * test that checks every step found such a miss); four independent pairs miss with odds of 3e-10.
 */
final class BasisTag {
    /** Entries sampled per basis: enough that bases differing anywhere differ in a sampled entry. */
    private static final int SAMPLES = 16;
    /**
     * Largest {@code |x^2 cell - (x cell)^2|} of an intact tag: float32 rounding of the square (1.2e-7 for
     * values below 4) and of averaging equal values over three or more workers (up to about 1e-6), with room.
     */
    private static final double TOLERANCE = 4e-6;

    private BasisTag() {
    }

    /** @return whether the header's tag is one this updater wrote, not an average of different ones */
    static boolean intact(INDArray header) {
        for (int i = 0; i < StateLayout.TAG_PAIRS; i++) {
            double x = header.getDouble(StateLayout.BASIS_TAG + 2 * i);
            double square = header.getDouble(StateLayout.BASIS_TAG + 2 * i + 1);
            if (Math.abs(square - x * x) > TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    /** Writes the tag of {@code bases} (null entries are skipped) into {@code header}. */
    static void write(INDArray header, INDArray[] bases) {
        long hash = 1125899906842597L;
        for (INDArray q : bases) {
            if (q == null) {
                continue;
            }
            long length = q.length();
            for (int i = 0; i < Math.min(SAMPLES, length); i++) {
                // Spread over the whole matrix: consecutive multiples of a large odd constant modulo its length.
                long index = Math.floorMod(i * 0x9E3779B97F4A7C15L, length);
                long bits = Double.doubleToLongBits(q.getDouble(index % q.rows(), index / q.rows()));
                hash = 31 * hash + (bits ^ (bits >>> 29));
            }
        }
        for (int i = 0; i < StateLayout.TAG_PAIRS; i++) {
            hash = mix(hash + i * 0x9E3779B97F4A7C15L);
            // 23 bits of fraction: exact in float32 cells.
            double x = 1.0 + (hash >>> 41) / (double) (1 << 23);
            header.putScalar(StateLayout.BASIS_TAG + 2 * i, x);
            header.putScalar(StateLayout.BASIS_TAG + 2 * i + 1, x * x);
        }
    }

    /** A 64-bit finalizer: every input bit affects every output bit. */
    private static long mix(long h) {
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }
}
