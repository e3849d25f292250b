package io.github.soapdl4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The {@link GradientUpdater} of {@link Soap}: one instance per Deeplearning4j updater block.
 *
 * <p>A block is one or more consecutive parameters whose configurations are equal. Since equal {@code Soap}
 * configurations carry equal layouts, a block is the bound run of parameters repeated {@code r >= 1} times (two
 * identical consecutive layers give {@code r = 2}); each parameter owns a slot of {@link Soap#stateSize} cells
 * of the block's state array, in the same order. All SOAP state lives in that array; this object holds only
 * views of it and scratch buffers, rebuilt whenever Deeplearning4j hands it a new array.
 *
 * <p>This is where the configuration ends: the parameters' {@link ParameterStep}s get the shapes, hyperparameters
 * and refresh schedule derived from it, not the configuration itself. The updater changes no process-wide
 * setting and starts no thread unless the configuration carries a {@link ConcurrentRefresh}.
 */
public class SoapUpdater implements GradientUpdater<Soap> {
    /** Key of the state array in {@link #getState()}. */
    public static final String STATE_KEY = "soapState";

    static final String UNBOUND_MESSAGE = "This Soap updater has no parameter layout. SOAP needs every parameter's "
            + "shape, which Deeplearning4j does not pass to updaters: call Soap.bind(net) after net.init() and "
            + "before training (a network restored from a bound checkpoint needs no second call).";

    private final Soap config;
    private INDArray stateView;
    private List<ParameterStep> parameters;
    private long[] parameterOffsets;
    private long parameterCount;

    /** @param config the bound configuration this updater applies */
    public SoapUpdater(Soap config) {
        this.config = config;
    }

    @Override
    public Soap getConfig() {
        return config;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (viewArray != null && viewArray.rank() != 1) {
            viewArray = viewArray.reshape(viewArray.length());
        }
        if (viewArray != null && initialize) {
            viewArray.assign(0);
        }
        this.stateView = viewArray;
        this.parameters = null;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        INDArray state = stateMap == null ? null : stateMap.get(STATE_KEY);
        if (state == null && config.isBound()) {
            throw new IllegalStateException("Soap state map has no '" + STATE_KEY + "' array");
        }
        setStateViewArray(state, state == null ? new long[0] : state.shape(), 'c', initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        return stateView == null ? Collections.emptyMap() : Collections.singletonMap(STATE_KEY, stateView);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (!config.isBound()) {
            throw UnboundRefusal.forCaller();
        }
        // Deeplearning4j passes its block gradient as a [1, n] row: the parameters' views read its memory as it is
        // (Views.fOrder), so only other shapes are flattened, which would make a new array object every call.
        if (gradient.rank() != 1 && !(gradient.rank() == 2 && gradient.rows() == 1
                && (gradient.length() <= 1 || gradient.elementWiseStride() == 1))) {
            gradient = gradient.reshape(gradient.length());
        }
        // DL4J calls updaters inside its training workspaces; scratch buffers and the views cached on first use
        // must outlive the workspace's cycle, so everything here is allocated outside of it.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            List<ParameterStep> params = parameters();
            if (gradient.length() != parameterCount) {
                throw new IllegalStateException("Soap updater block of " + parameterCount + " parameters (from its "
                        + "state array and the bound layout " + config.getLayout() + ") was given a gradient of "
                        + gradient.length() + ": the network changed after Soap.bind(net). Call Soap.bind(net) "
                        + "again after net.init().");
            }
            double lr = config.getLearningRate(iteration, epoch);
            for (int i = 0; i < params.size(); i++) {
                params.get(i).step(gradient, parameterOffsets[i], lr);
            }
        }
    }

    /** @return the block's parameters in order, laid out over the state array on first use */
    List<ParameterStep> parameters() {
        if (!config.isBound()) {
            throw UnboundRefusal.forCaller();
        }
        if (parameters == null) {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                parameters = layOut();
            }
        }
        return parameters;
    }

    /** Splits the block into its parameters and binds each to its slot of the state array. */
    private List<ParameterStep> layOut() {
        long stateLength = stateView == null ? 0 : stateView.length();
        List<ParamLayout> run = PretrainSplit.block(config.getLayout(), config, stateLength);
        long runLength = 0;
        long runState = 0;
        for (ParamLayout p : run) {
            runLength += p.length();
            runState += config.stateSize(p.length());
        }
        long repeats = stateLength / runState;
        if (repeats < 1 || repeats * runState != stateLength) {
            throw new IllegalStateException("Soap updater state of " + stateLength + " cells does not match the "
                    + "bound layout " + run + " (" + runState + " state cells per layer): the network changed after "
                    + "Soap.bind(net), or the updater state does not belong to it. Call Soap.bind(net) again after "
                    + "net.init().");
        }
        parameterCount = repeats * runLength;
        try {
            SoapBinder.requireSupportedType(stateView.dataType());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        List<PreconditionedShape> shapes = new ArrayList<>();
        int maxLength = 0;
        for (ParamLayout p : run) {
            PreconditionedShape s = config.shapeOf(p);
            shapes.add(s);
            maxLength = Math.max(maxLength, s.length());
        }
        BlockScratch scratch = new BlockScratch(stateView.dataType(), maxLength);
        Hyperparameters hyper = config.hyperparameters();
        RefreshSchedule schedule = config.refreshSchedule();

        List<ParameterStep> out = new ArrayList<>();
        parameterOffsets = new long[(int) repeats * run.size()];
        long paramOffset = 0;
        long stateOffset = 0;
        int factors = 0;
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < run.size(); i++) {
                PreconditionedShape s = shapes.get(i);
                parameterOffsets[out.size()] = paramOffset;
                out.add(new ParameterStep(hyper, schedule, factors, s, stateView, stateOffset, scratch,
                        config.getConcurrentRefresh()));
                paramOffset += s.length();
                stateOffset += config.stateSize(s.length());
                factors += s.factorCount();
            }
        }
        return out;
    }
}
