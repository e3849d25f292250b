package io.github.soapdl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How SOAP sees one parameter tensor (docs/algorithm.md §1, "Preconditioned dimensions"): the preconditioning
 * shape and which of its dimensions carry a Kronecker factor.
 *
 * <p>The dimensions are stored in <em>working order</em>: the order in which they appear in memory, fastest
 * first. For an 'f'-order parameter that is the logical order; for a 'c'-order one it is reversed. Every
 * mode product and factor is then computed on column-major matrices without copying the parameter.
 */
final class PreconditionedShape {
    private final int length;
    private final int[] dims;
    private final boolean[] preconditioned;

    private PreconditionedShape(int length, int[] dims, boolean[] preconditioned) {
        this.length = length;
        this.dims = dims;
        this.preconditioned = preconditioned;
    }

    /**
     * Derives the preconditioning shape of {@code layout} from the three settings that decide it.
     *
     * @param maxPreconditionDim dimensions larger than this keep the identity basis
     * @param mergeDims          whether small adjacent dimensions are merged first
     * @param precondition1d     whether 1-D parameters (and row vectors) get a factor
     */
    static PreconditionedShape of(ParamLayout layout, int maxPreconditionDim, boolean mergeDims,
                                  boolean precondition1d) {
        long n = layout.length();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Parameter " + layout + " has more than 2^31-1 elements");
        }
        long[] logical = Arrays.stream(layout.getShape()).filter(d -> d != 1).toArray();
        int max = maxPreconditionDim;
        int[] dims;
        boolean[] pre;
        if (logical.length <= 1) {
            // Deeplearning4j's [1,n] row vectors and 1-D biases alike: the reference's 1-D rule.
            dims = new int[] {(int) n};
            pre = new boolean[] {precondition1d && n <= max};
        } else {
            long[] shape = mergeDims ? mergeDims(logical, max) : logical;
            dims = new int[shape.length];
            pre = new boolean[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = (int) shape[i];
                pre[i] = shape[i] <= max;
            }
        }
        if (layout.getOrder() == 'c') {
            reverse(dims);
            reverse(pre);
        }
        return new PreconditionedShape((int) n, dims, pre);
    }

    /**
     * The reference's merge rule: walk the dims left to right, multiplying while the product stays within
     * {@code max}; when it would exceed it, emit the running product if it is above 1, else the dim itself.
     * Unit dims never change the result, and callers have removed them already.
     */
    static long[] mergeDims(long[] shape, long max) {
        List<Long> out = new ArrayList<>();
        long running = 1;
        for (long d : shape) {
            if (running * d > max) {
                if (running > 1) {
                    out.add(running);
                    running = d;
                } else {
                    out.add(d);
                    running = 1;
                }
            } else {
                running *= d;
            }
        }
        if (running > 1 || out.isEmpty()) {
            out.add(running);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static void reverse(int[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void reverse(boolean[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            boolean t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** @return the number of elements */
    int length() {
        return length;
    }

    /** @return the number of working dimensions */
    int rank() {
        return dims.length;
    }

    /** @return the size of working dimension {@code i} */
    int dim(int i) {
        return dims[i];
    }

    /** @return whether working dimension {@code i} carries a factor and a basis */
    boolean isPreconditioned(int i) {
        return preconditioned[i];
    }

    /** @return whether any dimension carries a factor (otherwise the parameter follows plain Adam) */
    boolean anyPreconditioned() {
        for (boolean p : preconditioned) {
            if (p) {
                return true;
            }
        }
        return false;
    }

    /** @return how many dimensions carry a factor */
    int factorCount() {
        int n = 0;
        for (boolean p : preconditioned) {
            n += p ? 1 : 0;
        }
        return n;
    }

    /** @return the working dimensions, fastest-varying first */
    int[] dims() {
        return dims.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i]).append(preconditioned[i] ? "*" : "");
        }
        return sb.append("]").toString();
    }
}
