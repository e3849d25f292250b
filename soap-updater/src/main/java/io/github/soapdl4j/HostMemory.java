package io.github.soapdl4j;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The memory of a contiguous float32 or float64 array on a CPU backend, addressed from Java without copying:
 * element {@code i} of the array is element {@code base + i} of {@link #floats} or {@link #doubles} (the one of
 * its data type; the other is null).
 */
final class HostMemory {
    final FloatBuffer floats;
    final DoubleBuffer doubles;
    final int base;
    final int length;

    private HostMemory(FloatBuffer floats, DoubleBuffer doubles, int base, int length) {
        this.floats = floats;
        this.doubles = doubles;
        this.base = base;
        this.length = length;
    }

    /**
     * @param a a contiguous array (a vector, or a column-major matrix over a contiguous stretch) on a CPU backend
     * @return its memory, or null where Java cannot address it: another data type, or memory beyond the 2 GiB
     *         that one NIO buffer spans
     */
    static HostMemory of(INDArray a) {
        DataType type = a.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            return null;
        }
        // A view's data buffer starts where its root buffer does, and the array's offset counts from there.
        DataBuffer data = a.data();
        long end = a.offset() + a.length();
        if (end > Integer.MAX_VALUE / data.getElementSize() || data.pointer() == null
                || data.pointer().position() != 0) {
            return null;
        }
        ByteBuffer raw;
        try {
            raw = data.asNio();
        } catch (RuntimeException e) {
            return null;
        }
        if (raw == null || (long) raw.capacity() < end * data.getElementSize()) {
            return null;
        }
        raw.order(ByteOrder.nativeOrder());
        int base = (int) a.offset();
        int length = (int) a.length();
        return type == DataType.FLOAT
                ? new HostMemory(raw.asFloatBuffer(), null, base, length)
                : new HostMemory(null, raw.asDoubleBuffer(), base, length);
    }

    /**
     * @return the native address of element {@code from} of {@code a} (counted from the array's offset), or 0
     *         where its data buffer has no host pointer at the start of its root memory
     */
    static long address(INDArray a, long from) {
        DataBuffer data = a.data();
        Pointer p = data.pointer();
        if (p == null || p.position() != 0 || p.address() == 0) {
            return 0;
        }
        return p.address() + (a.offset() + from) * data.getElementSize();
    }

    /** @return the sum of the squares of the elements */
    double sumOfSquares() {
        double sum = 0;
        for (int i = 0; i < length; i++) {
            double e = get(i);
            sum += e * e;
        }
        return sum;
    }

    /**
     * Copies runs of {@code count} elements: run {@code j} from element {@code starts[j] * count} of this memory to
     * element {@code j * count} of {@code dst}, each as one bulk copy where both hold the same data type (one pair
     * of buffer views for all runs).
     */
    void copyRuns(HostMemory dst, int count, int[] starts) {
        if (floats != null && dst.floats != null) {
            FloatBuffer source = floats.duplicate();
            FloatBuffer target = dst.floats.duplicate();
            for (int j = 0; j < starts.length; j++) {
                int from = base + starts[j] * count;
                source.limit(from + count).position(from);
                target.position(dst.base + j * count);
                target.put(source);
            }
        } else if (doubles != null && dst.doubles != null) {
            DoubleBuffer source = doubles.duplicate();
            DoubleBuffer target = dst.doubles.duplicate();
            for (int j = 0; j < starts.length; j++) {
                int from = base + starts[j] * count;
                source.limit(from + count).position(from);
                target.position(dst.base + j * count);
                target.put(source);
            }
        } else {
            for (int j = 0; j < starts.length; j++) {
                for (int i = 0; i < count; i++) {
                    dst.set(j * count + i, get(starts[j] * count + i));
                }
            }
        }
    }

    double get(int i) {
        return floats != null ? floats.get(base + i) : doubles.get(base + i);
    }

    void set(int i, double x) {
        if (floats != null) {
            floats.put(base + i, (float) x);
        } else {
            doubles.put(base + i, x);
        }
    }
}
