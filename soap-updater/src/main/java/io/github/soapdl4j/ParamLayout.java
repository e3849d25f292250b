package io.github.soapdl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The layout of one parameter tensor as Deeplearning4j stores it: its name within the layer, its logical shape
 * and the memory order of its flat view. {@link Soap#bind} records one per parameter, because a
 * {@link org.nd4j.linalg.learning.GradientUpdater} only ever sees flat arrays.
 */
public final class ParamLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final long[] shape;
    private final char order;

    /**
     * @param name  the parameter's key in its layer's parameter table (for messages)
     * @param shape the parameter's logical shape
     * @param order the memory order of the parameter's flat view, {@code 'c'} or {@code 'f'}
     * @throws IllegalArgumentException for an empty name, a missing shape, a dimension below 1 or another order
     */
    public ParamLayout(String name, long[] shape, char order) {
        this(name, shape == null ? null : shape.clone(), order, true);
    }

    private ParamLayout(String name, long[] shape, char order, boolean check) {
        this.name = name;
        this.shape = shape;
        this.order = order;
        if (check) {
            validate();
        }
    }

    /**
     * Jackson's entry point. It does not check: an exception thrown while Jackson builds an object reaches the
     * user wrapped twice (by Jackson and by Deeplearning4j's fromJson), so {@link Soap#validate} checks the
     * layout instead, with a plain {@link IllegalArgumentException}, before the layout is used.
     */
    @JsonCreator
    private static ParamLayout fromJson(@JsonProperty("name") String name, @JsonProperty("shape") long[] shape,
                                        @JsonProperty("order") char order) {
        return new ParamLayout(name, shape, order, false);
    }

    /** @throws IllegalArgumentException if this layout cannot describe a parameter (the message says why) */
    void validate() {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("Parameter layout " + this + " has no parameter name");
        }
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("Parameter '" + name + "' has no shape");
        }
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("Parameter '" + name + "' has shape " + Arrays.toString(shape)
                        + " with a dimension below 1");
            }
        }
        if (order != 'c' && order != 'f') {
            throw new IllegalArgumentException("Parameter '" + name + "' has memory order '" + order
                    + "'; expected 'c' or 'f'");
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        validate();
    }

    /**
     * The layout of {@code param} as a network holds it. A vector's memory order says nothing (both orders
     * store it alike), so vectors are recorded as 'c' whatever order ND4J reports; equal layers then get
     * equal layouts. A scalar (rank 0, such as a one-class output layer's {@code r}) is a one-element vector.
     */
    public static ParamLayout of(String name, INDArray param) {
        long[] shape = param.rank() == 0 ? new long[] {1} : param.shape();
        long nonUnit = java.util.Arrays.stream(shape).filter(d -> d != 1).count();
        return new ParamLayout(name, shape, nonUnit <= 1 ? 'c' : param.ordering());
    }

    /** @return the parameter's key in its layer's parameter table */
    public String getName() {
        return name;
    }

    /** @return a copy of the logical shape */
    public long[] getShape() {
        return shape.clone();
    }

    /** @return the memory order of the flat view, {@code 'c'} or {@code 'f'} */
    public char getOrder() {
        return order;
    }

    /** @return the number of elements */
    @JsonIgnore
    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** @return true when this and {@code other} have the same shape and order, whatever their names */
    public boolean sameGeometry(ParamLayout other) {
        return order == other.order && Arrays.equals(shape, other.shape);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ParamLayout)) {
            return false;
        }
        ParamLayout that = (ParamLayout) o;
        return order == that.order && Objects.equals(name, that.name) && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Objects.hashCode(name) + Arrays.hashCode(shape)) + order;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + order;
    }
}
