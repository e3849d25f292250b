package io.github.soapdl4j;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
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
                List<ParameterPreconditioner> params = soap.parameters();
                List<UpdaterBlock.ParamState> states = block.getLayersAndVariablesInBlock();
                Soap config = soap.getConfig();
                List<ParamLayout> run = config.getLayout();
                DataType type = soap.getState().get(SoapUpdater.STATE_KEY).dataType();
                for (int i = 0; i < params.size(); i++) {
                    UpdaterBlock.ParamState p = states.get(i);
                    ParamLayout layout = run.get(i % run.size());
                    out.add(params.get(i).stats(p.getLayer().getConfig().getLayerName(), p.getParamName(), layout)
                            .withMemory(config.stateSize(layout.length()) * type.width(),
                                    StateBudget.adamBytes(layout.length(), type)));
                }
            }
        }
        return out;
    }
}
