package io.github.soapdl4j;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads what SOAP is doing in a network: per parameter, its working shape and which dims are preconditioned,
 * each factor's eigenvalue range, refreshes done, time spent refreshing, the fault counters, and the bytes of
 * its state next to what Adam would keep.
 *
 * <pre>{@code
 * SoapStats.of(net).forEach(System.out::println);
 * }</pre>
 */
public final class SoapStats {
    private SoapStats() {
    }

    /** @return one entry per SOAP-updated parameter of {@code net}, in parameter order */
    public static List<ParameterStats> of(MultiLayerNetwork net) {
        return of(net.getUpdater());
    }

    /** @return one entry per SOAP-updated parameter of {@code graph}, in the updater's order */
    public static List<ParameterStats> of(ComputationGraph graph) {
        return of(graph.getUpdater());
    }

    private static List<ParameterStats> of(Updater updater) {
        List<ParameterStats> out = new ArrayList<>();
        if (!(updater instanceof BaseMultiLayerUpdater)) {
            return out;
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (UpdaterBlock block : ((BaseMultiLayerUpdater<?>) updater).getUpdaterBlocks()) {
                block.init();
                if (!(block.getGradientUpdater() instanceof SoapUpdater)) {
                    continue;
                }
                SoapUpdater soap = (SoapUpdater) block.getGradientUpdater();
                List<ParameterStep> params = soap.parameters();
                List<UpdaterBlock.ParamState> states = block.getLayersAndVariablesInBlock();
                Soap config = soap.getConfig();
                List<ParamLayout> run = config.getLayout();
                DataType type = soap.getState().get(SoapUpdater.STATE_KEY).dataType();
                for (int i = 0; i < params.size(); i++) {
                    UpdaterBlock.ParamState p = states.get(i);
                    ParamLayout layout = run.get(i % run.size());
                    out.add(describe(params.get(i), p.getLayer().getConfig().getLayerName(), p.getParamName(), layout)
                            .withMemory(config.stateSize(layout.length()) * type.width(),
                                    StateBudget.adamBytes(layout.length(), type)));
                }
            }
        }
        return out;
    }

    /** @return a snapshot of one parameter's diagnostics, read from its state slot; see {@link ParameterStats} */
    static ParameterStats describe(ParameterStep param, String layerName, String paramName, ParamLayout layout) {
        ParameterSlot slot = param.slot();
        PreconditionedShape shape = param.shape();
        long calls = slot.calls();
        long t = Math.max(0, calls - 1);
        List<ParameterStats.FactorStats> factors = new ArrayList<>();
        for (int k = 0; k < shape.rank(); k++) {
            INDArray factor = slot.factor[k];
            INDArray basis = slot.basis[k];
            if (factor == null) {
                continue;
            }
            int d = shape.dim(k);
            double[] lambda = calls == 0 ? new double[] {0}
                    : basis.mul(symmetric(factor).mmul(basis)).sum(0).toDoubleVector();
            INDArray gram = basis.transpose().mmul(basis);
            double orthoError = calls == 0 ? 0
                    : gram.subi(Nd4j.eye(d).castTo(gram.dataType())).amaxNumber().doubleValue();
            factors.add(new ParameterStats.FactorStats(d, Arrays.stream(lambda).min().orElse(0),
                    Arrays.stream(lambda).max().orElse(0), param.refreshes(k, t), param.phase(k), orthoError));
        }
        return new ParameterStats(layerName, paramName, layout, shape.toString(), t,
                slot.counter(StateLayout.SKIPPED_STEPS), slot.counter(StateLayout.FAILED_DECOMPOSITIONS),
                slot.counter(StateLayout.REPAIRED_BASES), param.refreshSeconds(), param.keptBases(), factors);
    }

    /** @return a symmetric copy of a factor whose lower triangle is current (ModeProducts.accumulateFactor) */
    private static INDArray symmetric(INDArray factor) {
        INDArray copy = factor.dup('f');
        Kernels.forBackend().mirrorLower(copy);
        return copy;
    }
}
