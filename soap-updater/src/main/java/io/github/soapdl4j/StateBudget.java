package io.github.soapdl4j;

import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Prices one parameter's SOAP state against Adam's and words the warning {@link Soap#bind} logs when the price is
 * out of proportion. The thresholds and the state formula are justified in docs/memory.md.
 *
 * <p>A parameter of {@code n} elements costs {@code 13 + 2n + sum_k 2 d_k^2} cells (see {@link StateLayout}),
 * Adam's {@code 2n}, each cell {@link DataType#width()} bytes. It is flagged when
 * <ul>
 *   <li>a preconditioned dimension exceeds {@link #LARGE_FACTOR_DIM}: the factor and its basis are two
 *       {@code d x d} matrices, and every refresh multiplies and factorizes them ({@code O(d^3)} work), or</li>
 *   <li>its state exceeds {@link #ADAM_MULTIPLE} times Adam's and {@link #MIN_FLAGGED_BYTES}: small layers with
 *       a narrow side (an output layer of 10 classes) cost many times Adam's few bytes and do not matter.</li>
 * </ul>
 */
final class StateBudget {
    /** The largest factor dimension that passes unflagged. */
    static final int LARGE_FACTOR_DIM = 4096;
    /** State above this multiple of Adam's is flagged when it is also above {@link #MIN_FLAGGED_BYTES}. */
    static final int ADAM_MULTIPLE = 8;
    /** 64 MiB. */
    static final long MIN_FLAGGED_BYTES = 64L << 20;

    private final ParamLayout layout;
    private final DataType type;
    private final PreconditionedShape shape;

    StateBudget(ParamLayout layout, Soap soap, DataType type) {
        this.layout = layout;
        this.type = type;
        this.shape = soap.shapeOf(layout);
    }

    /** @return the bytes of SOAP's state for this parameter (unpadded slot) */
    long soapBytes() {
        return StateLayout.size(shape) * type.width();
    }

    /** @return the bytes Adam would keep for this parameter: two moments of {@code n} cells */
    long adamBytes() {
        return adamBytes(layout.length(), type);
    }

    static long adamBytes(long n, DataType type) {
        return 2 * n * type.width();
    }

    /**
     * @param where the layer and parameter, for the message, e.g. {@code layer 'dense' parameter 'W'}
     * @param soap  the configuration, whose {@code maxPreconditionDim} the suggested fix lowers
     * @return the warning for this parameter, or null when its state is within the documented bounds
     */
    String warning(String where, Soap soap) {
        int largest = largestFactor(shape);
        if (!flagged(shape)) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Soap.bind: ").append(where).append(" of shape ").append(Arrays.toString(layout.getShape()))
                .append(" gets ").append(bytes(soapBytes())).append(" of SOAP state in ").append(type)
                .append(String.format(Locale.ROOT, ", %.1fx Adam's %s", (double) soapBytes() / adamBytes(),
                        bytes(adamBytes())));
        if (largest > LARGE_FACTOR_DIM) {
            sb.append(", with a factor of ").append(largest).append(" x ").append(largest).append(" (above ")
                    .append(LARGE_FACTOR_DIM).append(": each refresh of it is O(d^3) work)");
        } else {
            sb.append(" (above ").append(ADAM_MULTIPLE).append("x Adam's and ").append(bytes(MIN_FLAGGED_BYTES))
                    .append(")");
        }
        sb.append(". ");
        appendFix(sb, soap);
        return sb.toString();
    }

    /** Lowers maxPreconditionDim below the largest flagged side until nothing is flagged, and prices that. */
    private void appendFix(StringBuilder sb, Soap soap) {
        int max = Math.min(soap.getMaxPreconditionDim(), LARGE_FACTOR_DIM);
        PreconditionedShape fixed = PreconditionedShape.of(layout, max, soap.isMergeDims(), soap.isPrecondition1d());
        while (flagged(fixed)) {
            max = largestFactor(fixed) - 1;
            fixed = PreconditionedShape.of(layout, max, soap.isMergeDims(), soap.isPrecondition1d());
        }
        List<Integer> dropped = new ArrayList<>();
        for (int k = 0; k < shape.rank(); k++) {
            if (shape.isPreconditioned(k) && shape.dim(k) > max) {
                dropped.add(shape.dim(k));
            }
        }
        long fixedBytes = StateLayout.size(fixed) * type.width();
        sb.append("Soap.builder().maxPreconditionDim(").append(max).append(") for this layer");
        if (!dropped.isEmpty()) {
            sb.append(" leaves the ").append(join(dropped)).append(dropped.size() == 1 ? " side" : " sides")
                    .append(" unpreconditioned");
        }
        if (fixed.anyPreconditioned()) {
            List<Integer> kept = new ArrayList<>();
            for (int k = 0; k < fixed.rank(); k++) {
                if (fixed.isPreconditioned(k)) {
                    kept.add(fixed.dim(k));
                }
            }
            sb.append(kept.size() == 1 && fixed.rank() == 2 ? ": one-sided preconditioning of the "
                    : ": preconditioning of the ");
            sb.append(join(kept)).append(kept.size() == 1 ? " side, " : " sides, ").append(bytes(fixedBytes))
                    .append(" of state");
        } else {
            sb.append(": nothing is preconditioned then, which is Adam at Adam's memory (").append(bytes(fixedBytes))
                    .append("); giving this layer Adam does the same more cheaply");
        }
        sb.append('.');
    }

    private boolean flagged(PreconditionedShape s) {
        long bytes = StateLayout.size(s) * type.width();
        return largestFactor(s) > LARGE_FACTOR_DIM
                || (bytes > ADAM_MULTIPLE * adamBytes() && bytes > MIN_FLAGGED_BYTES);
    }

    /** @return the largest preconditioned working dimension, or 0 when none is */
    private static int largestFactor(PreconditionedShape s) {
        int largest = 0;
        for (int k = 0; k < s.rank(); k++) {
            if (s.isPreconditioned(k)) {
                largest = Math.max(largest, s.dim(k));
            }
        }
        return largest;
    }

    private static String join(List<Integer> dims) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.size(); i++) {
            sb.append(i == 0 ? "" : i == dims.size() - 1 ? " and " : ", ").append(dims.get(i));
        }
        return sb.toString();
    }

    /** @return {@code bytes} in the largest binary unit that keeps it at or above 1, e.g. {@code 488.3 MiB} */
    static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
