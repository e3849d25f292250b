package io.github.soapdl4j;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Implements {@link Soap#bind(SameDiff)}: records the layout of every variable SameDiff trains and replaces the
 * training configuration's updater with a {@link SameDiffSoap} that carries them.
 */
final class SameDiffBinder {
    private SameDiffBinder() {
    }

    static void bind(SameDiff sd) {
        TrainingConfig training = sd.getTrainingConfig();
        if (training == null) {
            throw new IllegalStateException("Soap.bind(sd) needs the graph's training configuration: call "
                    + "sd.setTrainingConfig(...) with a Soap updater first");
        }
        IUpdater current = training.getUpdater();
        Soap soap;
        if (current instanceof SameDiffSoap) {
            soap = ((SameDiffSoap) current).getSoap();
        } else if (current instanceof Soap) {
            soap = (Soap) current;
        } else {
            throw new IllegalArgumentException("Soap.bind(sd): the graph's training configuration uses "
                    + (current == null ? "no updater" : current.getClass().getSimpleName()) + ", not Soap. Set "
                    + "TrainingConfig.Builder.updater(new Soap(...)) before binding.");
        }
        SameDiffSoap bound = new SameDiffSoap(soap.withLayout(trainableLayouts(sd)));
        if (bound.equals(current)) {
            return; // already bound to this graph, perhaps restored with its state: keep that state
        }
        // SameDiff copies nothing: the configuration it holds is the one it trains with, so it is replaced there.
        training.setUpdater(bound);
        if (sd.isInitializedTraining() && sd.getUpdaterMap() != null) {
            // The graph built its updaters already (a fit that failed unbound, or another updater before):
            // SameDiff builds them only once, so they are rebuilt here as it would have built them.
            for (Map.Entry<String, GradientUpdater> e : sd.getUpdaterMap().entrySet()) {
                e.setValue(fresh(bound, sd.getVariable(e.getKey()).getArr()));
            }
        }
    }

    /** The layouts of the variables SameDiff trains: floating-point variables of type VARIABLE, in its order. */
    private static List<ParamLayout> trainableLayouts(SameDiff sd) {
        List<ParamLayout> layouts = new ArrayList<>();
        for (Variable v : sd.getVariables().values()) {
            if (v.getVariable().getVariableType() != VariableType.VARIABLE
                    || !v.getVariable().dataType().isFPType()) {
                continue;
            }
            INDArray arr = v.getVariable().getArr();
            if (arr == null) {
                throw new IllegalStateException("Soap.bind(sd): variable '" + v.getName() + "' has no array yet; "
                        + "bind after the graph's variables are created and initialized");
            }
            SoapBinder.requireSupportedType(arr.dataType());
            layouts.add(layout(v.getName(), arr.shape(), arr.ordering()));
        }
        if (layouts.isEmpty()) {
            throw new IllegalArgumentException("Soap.bind(sd): the graph has no trainable floating-point variables");
        }
        return layouts;
    }

    /**
     * The layout of a variable of {@code shape} stored in {@code order}, normalized as {@link ParamLayout#of}
     * does (vectors are 'c'); a scalar variable is a one-element vector.
     */
    static ParamLayout layout(String name, long[] shape, char order) {
        long[] s = shape == null || shape.length == 0 ? new long[] {1} : shape;
        long nonUnit = java.util.Arrays.stream(s).filter(d -> d != 1).count();
        return new ParamLayout(name, s, nonUnit <= 1 ? 'c' : order);
    }

    /** A fresh updater for {@code param}, built the way SameDiff's own training setup builds one. */
    private static GradientUpdater<SameDiffSoap> fresh(SameDiffSoap config, INDArray param) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray view = Nd4j.createUninitialized(param.dataType(), 1, config.stateSize(param.length()));
            GradientUpdater<SameDiffSoap> updater = config.instantiate(view, false);
            updater.setStateViewArray(view, param.shape(), param.ordering(), true);
            return updater;
        }
    }
}
