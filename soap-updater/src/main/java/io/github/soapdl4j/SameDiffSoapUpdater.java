package io.github.soapdl4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link GradientUpdater} of one SameDiff variable: a {@link SoapUpdater} over the variable's state array,
 * once the variable is known.
 *
 * <p>SameDiff names the variable only by its shape and memory order ({@link #setStateViewArray}); when it
 * rebuilds the updater from a saved state map, it passes the map alone. So the state map holds, next to the
 * SOAP state ({@link SoapUpdater#STATE_KEY}), the variable's geometry under {@link #VARIABLE_KEY}. Variables of
 * equal geometry are interchangeable here: they have the same preconditioned shape and state layout.
 */
final class SameDiffSoapUpdater implements GradientUpdater<SameDiffSoap> {
    /** Key of the variable's geometry in {@link #getState()}: {@code [order ('c' or 'f'), shape...]}. */
    static final String VARIABLE_KEY = "soapVariable";

    private final SameDiffSoap config;
    /** The state array SameDiff allocated for the variable: {@link Soap#stateSize} cells, maybe padded. */
    private INDArray state;
    private ParamLayout layout;
    private INDArray geometry;
    private SoapUpdater delegate;
    /** The gradient in the layout's memory order, for a gradient that comes in another order. */
    private INDArray reordered;

    SameDiffSoapUpdater(SameDiffSoap config, INDArray state) {
        this.config = config;
        this.state = state;
    }

    @Override
    public SameDiffSoap getConfig() {
        return config;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        ParamLayout requested = SameDiffBinder.layout("variable", gradientShape, gradientOrder);
        bindTo(find(requested), viewArray, initialize);
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        INDArray saved = stateMap == null ? null : stateMap.get(SoapUpdater.STATE_KEY);
        INDArray identity = stateMap == null ? null : stateMap.get(VARIABLE_KEY);
        if (saved == null || identity == null) {
            throw new IllegalStateException("SameDiff's saved Soap state has keys "
                    + (stateMap == null ? "none" : stateMap.keySet()) + "; expected '" + SoapUpdater.STATE_KEY
                    + "' and '" + VARIABLE_KEY + "'. It was not written by a graph bound with Soap.bind(sd).");
        }
        long[] g = identity.toLongVector();
        ParamLayout requested = SameDiffBinder.layout("variable", Arrays.copyOfRange(g, 1, g.length),
                (char) g[0]);
        bindTo(find(requested), saved, initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> out = new HashMap<>();
        if (state != null) {
            out.put(SoapUpdater.STATE_KEY, state);
        }
        if (geometry != null) {
            out.put(VARIABLE_KEY, geometry);
        }
        return out;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (delegate == null) {
            throw new IllegalStateException("This Soap updater was not told which SameDiff variable it updates. "
                    + "Soap.bind(sd) configures SameDiff graphs only; bind a MultiLayerNetwork or "
                    + "ComputationGraph with Soap.bind(net).");
        }
        if (gradient.length() != layout.length()) {
            throw new IllegalStateException("Soap updater of SameDiff variable " + layout + " was given a gradient "
                    + "of shape " + Arrays.toString(gradient.shape()) + ": the graph changed after Soap.bind(sd). "
                    + "Call Soap.bind(sd) again.");
        }
        char order = layout.getOrder();
        boolean inOrder = gradient.elementWiseStride() == 1 && (gradient.ordering() == order || isVector(layout));
        if (inOrder) {
            delegate.applyUpdater(flat(gradient, order), iteration, epoch);
            return;
        }
        // SameDiff subtracts the update by logical index: compute it in the variable's memory order, then
        // write it back in whatever order the gradient has.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (reordered == null || reordered.dataType() != gradient.dataType()) {
                reordered = Nd4j.create(gradient.dataType(), layout.getShape(), order);
            }
        }
        reordered.assign(gradient.reshape(layout.getShape()));
        delegate.applyUpdater(flat(reordered, order), iteration, epoch);
        gradient.assign(reordered.reshape(gradient.shape()));
    }

    /** @return the bound variable layout with the geometry of {@code requested} */
    private ParamLayout find(ParamLayout requested) {
        List<ParamLayout> bound = config.getSoap().getLayout();
        for (ParamLayout p : bound) {
            if (p.sameGeometry(requested)) {
                return p;
            }
        }
        throw new IllegalStateException("Soap is bound to SameDiff variables " + bound + " but was given a "
                + "variable of shape " + Arrays.toString(requested.getShape()) + " (order '" + requested.getOrder()
                + "'): the graph changed after Soap.bind(sd). Call Soap.bind(sd) again.");
    }

    /**
     * Lays the variable's SOAP state over the first cells of {@code array}: the rest is padding that
     * {@link Soap#stateSize} adds when variables of one length have different shapes.
     */
    private void bindTo(ParamLayout variable, INDArray array, boolean initialize) {
        Soap single = config.getSoap().withLayout(List.of(variable));
        long size = single.stateSize(variable.length());
        if (array == null || array.length() < size) {
            throw new IllegalStateException("Soap state of SameDiff variable " + variable + " has "
                    + (array == null ? 0 : array.length()) + " cells; it needs " + size + ". The graph changed "
                    + "after Soap.bind(sd), or the state does not belong to it. Call Soap.bind(sd) again.");
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (initialize) {
                array.assign(0);
            }
            long[] g = new long[variable.getShape().length + 1];
            g[0] = variable.getOrder();
            System.arraycopy(variable.getShape(), 0, g, 1, g.length - 1);
            geometry = Nd4j.createFromArray(g);
            INDArray flat = array.reshape(array.length());
            SoapUpdater updater = new SoapUpdater(single);
            updater.setStateViewArray(flat.get(NDArrayIndex.interval(0, size)), new long[] {size}, 'c', false);
            this.state = array;
            this.layout = variable;
            this.delegate = updater;
            this.reordered = null;
        }
    }

    /** A rank-1 view of {@code a}'s elements in memory order {@code order}; {@code a} is contiguous in it. */
    private static INDArray flat(INDArray a, char order) {
        // The array form: reshape(char, long) would bind to reshape(long rows, long columns).
        return a.rank() == 1 ? a : a.reshape(order, new long[] {a.length()});
    }

    private static boolean isVector(ParamLayout p) {
        return Arrays.stream(p.getShape()).filter(d -> d != 1).count() <= 1;
    }
}
